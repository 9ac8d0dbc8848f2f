// The sandbox's syscall filter, in the spirit of Docker's default seccomp profile: the calls a
// process without capabilities has no business making (kernel modules, kexec, mounts, keyrings,
// BPF, perf, clocks, swap, reboot) fail with EPERM; namespaces cannot be created (unshare at all,
// clone with a CLONE_NEW* flag: this is what stops `unshare -Ur` when the sandbox has no user
// namespace of its own to disable them in); clone3 answers ENOSYS so libc falls back to clone,
// whose flags the filter can see. Everything else is allowed: the tools (bash, curl, kubectl,
// helm, python) keep working.
//
// bubblewrap loads a compiled classic-BPF program (`--seccomp FD`) just before it runs the
// command; this module assembles that program (struct sock_filter, 8 bytes per instruction).
import { arch } from 'node:process';

// Linux UAPI constants (linux/filter.h, linux/seccomp.h, linux/audit.h).
const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_JSET_K = 0x45;
const BPF_RET_K = 0x06;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const OFFSET_ARG0_LOW = 16; // args[0], low 32 bits (little-endian)
/** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;
const X32_SYSCALL_BIT = 0x40000000;

/** Syscalls refused with EPERM, by name (numbers per architecture below). */
export const BLOCKED_SYSCALLS = [
  'unshare', 'setns', 'mount', 'umount2', 'pivot_root', 'chroot', 'open_tree', 'move_mount', 'fsopen', 'fsconfig',
  'fsmount', 'fspick', 'mount_setattr', 'kexec_load', 'kexec_file_load', 'init_module', 'finit_module',
  'delete_module', 'bpf', 'perf_event_open', 'add_key', 'request_key', 'keyctl', 'swapon', 'swapoff', 'reboot',
  'settimeofday', 'clock_settime', 'clock_adjtime', 'adjtimex', 'acct', 'quotactl', 'userfaultfd', 'lookup_dcookie',
  'vhangup', 'nfsservctl', 'open_by_handle_at', 'name_to_handle_at', 'syslog', 'kcmp', 'fanotify_init',
] as const;

type Name = (typeof BLOCKED_SYSCALLS)[number] | 'clone' | 'clone3';

/** An architecture: its AUDIT_ARCH value, whether it has an x32 ABI to refuse, and its column in NUMBERS. */
interface Arch {
  audit: number;
  x32: boolean;
  column: 0 | 1;
}

const ARCHES: Record<string, Arch> = {
  x64: { audit: 0xc000003e, x32: true, column: 0 },
  arm64: { audit: 0xc00000b7, x32: false, column: 1 },
};

// Each syscall's number as [x64, arm64], from `scmp_sys_resolver -a <arch> <name>` (libseccomp 2.5.4).
const NUMBERS: Record<Name, readonly [number, number]> = {
  unshare: [272, 97], setns: [308, 268], mount: [165, 40], umount2: [166, 39], pivot_root: [155, 41],
  chroot: [161, 51], open_tree: [428, 428], move_mount: [429, 429], fsopen: [430, 430], fsconfig: [431, 431],
  fsmount: [432, 432], fspick: [433, 433], mount_setattr: [442, 442], kexec_load: [246, 104],
  kexec_file_load: [320, 294], init_module: [175, 105], finit_module: [313, 273], delete_module: [176, 106],
  bpf: [321, 280], perf_event_open: [298, 241], add_key: [248, 217], request_key: [249, 218], keyctl: [250, 219],
  swapon: [167, 224], swapoff: [168, 225], reboot: [169, 142], settimeofday: [164, 170], clock_settime: [227, 112],
  clock_adjtime: [305, 266], adjtimex: [159, 171], acct: [163, 89], quotactl: [179, 60], userfaultfd: [323, 282],
  lookup_dcookie: [212, 18], vhangup: [153, 58], nfsservctl: [180, 42], open_by_handle_at: [304, 265],
  name_to_handle_at: [303, 264], syslog: [103, 116], kcmp: [312, 272], fanotify_init: [300, 262], clone: [56, 220],
  clone3: [435, 435],
};

interface Insn {
  code: number;
  k: number;
  /** Labels the conditional jumps go to when true / false (undefined: the next instruction). */
  jt?: string;
  jf?: string;
  label?: string;
}

/** Whether a filter exists for this machine's architecture. */
export function seccompSupported(machine: string = arch): boolean {
  return machine in ARCHES;
}

/** The filter as bytes for `bwrap --seccomp FD`; undefined on an architecture without a table. */
export function seccompProgram(machine: string = arch): Buffer | undefined {
  const table = ARCHES[machine];
  if (!table) return undefined;
  const nr = (name: Name) => NUMBERS[name][table.column];
  const insns: Insn[] = [
    { code: BPF_LD_W_ABS, k: OFFSET_ARCH },
    { code: BPF_JEQ_K, k: table.audit, jf: 'enosys' },
    { code: BPF_LD_W_ABS, k: OFFSET_NR },
  ];
  if (table.x32) insns.push({ code: BPF_JGE_K, k: X32_SYSCALL_BIT, jt: 'enosys' });
  for (const name of BLOCKED_SYSCALLS) insns.push({ code: BPF_JEQ_K, k: nr(name), jt: 'eperm' });
  insns.push({ code: BPF_JEQ_K, k: nr('clone3'), jt: 'enosys' });
  insns.push({ code: BPF_JEQ_K, k: nr('clone'), jt: 'clone' });
  insns.push({ code: BPF_RET_K, k: RET_ALLOW });
  insns.push({ code: BPF_LD_W_ABS, k: OFFSET_ARG0_LOW, label: 'clone' });
  insns.push({ code: BPF_JSET_K, k: CLONE_NAMESPACE_FLAGS, jt: 'eperm' });
  insns.push({ code: BPF_RET_K, k: RET_ALLOW });
  insns.push({ code: BPF_RET_K, k: RET_ERRNO | EPERM, label: 'eperm' });
  insns.push({ code: BPF_RET_K, k: RET_ERRNO | ENOSYS, label: 'enosys' });
  const at = new Map<string, number>();
  insns.forEach((insn, i) => insn.label && at.set(insn.label, i));
  const out = Buffer.alloc(insns.length * 8);
  insns.forEach((insn, i) => {
    const offset = (label: string | undefined) => {
      if (label === undefined) return 0;
      const d = at.get(label)! - i - 1;
      if (d < 0 || d > 255) throw new Error(`seccomp jump out of range: ${label}`);
      return d;
    };
    out.writeUInt16LE(insn.code, i * 8);
    out.writeUInt8(offset(insn.jt), i * 8 + 2);
    out.writeUInt8(offset(insn.jf), i * 8 + 3);
    out.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return out;
}
