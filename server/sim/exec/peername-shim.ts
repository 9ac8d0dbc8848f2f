// What an intercepted process believes it is connected to. proxychains turns every connect()
// into a connection to the interceptor on loopback, so getpeername() would answer 127.0.0.1 and
// `curl -v` print `Connected to httpbin (127.0.0.1) port 8000`. In a real pod the socket is
// connected to the Service's cluster IP (iptables redirects it to Envoy, and the original
// destination stays the peer curl sees). This small preload library, loaded before proxychains,
// remembers the address each connect() was asked for and answers getpeername() with it, so curl
// prints `Connected to httpbin (10.96.x.y) port 8000`. It changes nothing else: the connection
// itself is proxychains'.
//
// It is compiled once with the system C compiler (`cc`) into the data directory; without a
// compiler exec works as before and getpeername() reports the loopback address.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { dataDir } from '../../tools/binaries.ts';
import { componentLogger, createLogger } from '../../util/logger.ts';

let logger: Logger | undefined;
const execLog = (): Logger => (logger ??= componentLogger(createLogger(), 'exec'));

export const PEERNAME_SOURCE = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD 4096
static struct sockaddr_storage peers[MAX_FD];
static socklen_t peer_len[MAX_FD];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int (*next_connect)(int, const struct sockaddr *, socklen_t);
static int (*next_getpeername)(int, struct sockaddr *, socklen_t *);
static int (*next_close)(int);

static void init(void) {
  if (!next_connect) next_connect = dlsym(RTLD_NEXT, "connect");
  if (!next_getpeername) next_getpeername = dlsym(RTLD_NEXT, "getpeername");
  if (!next_close) next_close = dlsym(RTLD_NEXT, "close");
}

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
  init();
  int r = next_connect(fd, addr, len);
  int saved = errno;
  if (fd >= 0 && fd < MAX_FD && addr && (addr->sa_family == AF_INET || addr->sa_family == AF_INET6) && len <= sizeof(struct sockaddr_storage)) {
    pthread_mutex_lock(&lock);
    if (r == 0 || saved == EINPROGRESS) {
      memcpy(&peers[fd], addr, len);
      peer_len[fd] = len;
    } else {
      peer_len[fd] = 0;
    }
    pthread_mutex_unlock(&lock);
  }
  errno = saved;
  return r;
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len) {
  init();
  int r = next_getpeername(fd, addr, len);
  if (r != 0 || fd < 0 || fd >= MAX_FD || !addr || !len) return r;
  pthread_mutex_lock(&lock);
  socklen_t n = peer_len[fd];
  if (n > 0) {
    memcpy(addr, &peers[fd], n < *len ? n : *len);
    *len = n;
  }
  pthread_mutex_unlock(&lock);
  return 0;
}

int close(int fd) {
  init();
  if (fd >= 0 && fd < MAX_FD) {
    pthread_mutex_lock(&lock);
    peer_len[fd] = 0;
    pthread_mutex_unlock(&lock);
  }
  return next_close(fd);
}
`;

let built: string | null | undefined;

/** The compiled library (built on first use), or undefined when no C compiler is available. */
export function peernameLibrary(): string | undefined {
  if (built !== undefined) return built ?? undefined;
  const hash = createHash('sha256').update(PEERNAME_SOURCE).digest('hex').slice(0, 12);
  const dir = join(dataDir(), 'lib');
  const out = join(dir, `libmeshlab-peername-${hash}.so`);
  if (existsSync(out)) return (built = out);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const src = join(dir, `peername-${hash}-${process.pid}.c`);
    const tmp = `${out}.${process.pid}`;
    writeFileSync(src, PEERNAME_SOURCE);
    execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', tmp, src, '-ldl', '-lpthread'], { stdio: 'ignore', timeout: 60_000 });
    renameSync(tmp, out);
    built = out;
  } catch (err) {
    // No C compiler (or it failed): exec'd commands then see the loopback peer address, not the pod's.
    execLog().warn({ err }, 'could not build the peer name library');
    built = null;
  }
  return built ?? undefined;
}

/** Copies the library to `dir` (a directory the sandbox sees) and returns its path there, if there is one. */
export function peernameLibraryIn(dir: string): string | undefined {
  const lib = peernameLibrary();
  if (!lib) return undefined;
  const target = join(dir, basename(lib));
  if (!existsSync(target)) copyFileSync(lib, target);
  return target;
}
