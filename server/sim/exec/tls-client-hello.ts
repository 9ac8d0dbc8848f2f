// Reads the server name (SNI) from the first bytes of a TLS connection, as Envoy's tls_inspector
// listener filter does, so the mesh can route HTTPS by name. Returns undefined for anything that
// is not a complete TLS ClientHello record with a host_name entry.

/** Whether the bytes start like a TLS handshake record. */
export function looksLikeTls(data: Buffer): boolean {
  return data.length >= 3 && data[0] === 0x16 && data[1] === 0x03;
}

export function serverNameOf(data: Buffer): string | undefined {
  try {
    if (!looksLikeTls(data) || data.length < 5) return undefined;
    const recordEnd = Math.min(data.length, 5 + data.readUInt16BE(3));
    let p = 5;
    if (data[p] !== 0x01) return undefined; // handshake type: ClientHello
    p += 4; // type + 24-bit length
    p += 2 + 32; // client version + random
    if (p >= recordEnd) return undefined;
    p += 1 + data[p]!; // session id
    if (p + 2 > recordEnd) return undefined;
    p += 2 + data.readUInt16BE(p); // cipher suites
    if (p >= recordEnd) return undefined;
    p += 1 + data[p]!; // compression methods
    if (p + 2 > recordEnd) return undefined;
    const extensionsEnd = Math.min(recordEnd, p + 2 + data.readUInt16BE(p));
    p += 2;
    while (p + 4 <= extensionsEnd) {
      const type = data.readUInt16BE(p);
      const length = data.readUInt16BE(p + 2);
      p += 4;
      if (p + length > extensionsEnd) return undefined;
      if (type === 0x0000) {
        // server_name: list length, then entries of (type, length, name).
        let q = p + 2;
        const listEnd = Math.min(p + length, p + 2 + data.readUInt16BE(p));
        while (q + 3 <= listEnd) {
          const nameType = data[q]!;
          const nameLength = data.readUInt16BE(q + 1);
          q += 3;
          if (q + nameLength > listEnd) return undefined;
          if (nameType === 0) {
            const name = data.subarray(q, q + nameLength).toString('latin1').toLowerCase();
            return /^[a-z0-9.-]{1,253}$/.test(name) ? name : undefined;
          }
          q += nameLength;
        }
        return undefined;
      }
      p += length;
    }
    return undefined;
  } catch { // a malformed ClientHello has no server name; the connection is treated as plain TCP
    return undefined;
  }
}
