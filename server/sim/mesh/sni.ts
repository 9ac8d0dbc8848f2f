// The server name from a TLS ClientHello, read without terminating TLS (what Envoy's
// tls_inspector does for PASSTHROUGH gateways and SNI-routed sidecar traffic).

/** 'need-more' until a whole ClientHello record is buffered; undefined if not TLS or no SNI. */
export function parseSni(buf: Buffer): string | undefined | 'need-more' {
  if (buf.length < 5) return 'need-more';
  if (buf[0] !== 0x16) return undefined; // not a TLS handshake record
  const recordLen = buf.readUInt16BE(3);
  if (buf.length < 5 + recordLen) return 'need-more';
  let p = 5;
  if (buf[p] !== 0x01) return undefined; // not a ClientHello
  p += 4; // handshake type + 3-byte length
  p += 2 + 32; // client version + random
  if (p + 1 > buf.length) return undefined;
  p += 1 + buf[p]!; // session id
  if (p + 2 > buf.length) return undefined;
  p += 2 + buf.readUInt16BE(p); // cipher suites
  if (p + 1 > buf.length) return undefined;
  p += 1 + buf[p]!; // compression methods
  if (p + 2 > buf.length) return undefined;
  const extEnd = Math.min(buf.length, p + 2 + buf.readUInt16BE(p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = buf.readUInt16BE(p);
    const len = buf.readUInt16BE(p + 2);
    p += 4;
    if (type === 0 && p + 5 <= extEnd) {
      // server_name: list length, name type (0 = host_name), name length, name
      const nameLen = buf.readUInt16BE(p + 3);
      if (buf[p + 2] === 0 && p + 5 + nameLen <= extEnd) return buf.subarray(p + 5, p + 5 + nameLen).toString('ascii').toLowerCase();
      return undefined;
    }
    p += len;
  }
  return undefined;
}
