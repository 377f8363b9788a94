#!/usr/bin/env python3
"""Writes fuzz_prog's seed corpus (corpus/fuzz_prog/): small valid programs in the
target's input format (see fuzz_prog.c). In that format jump offsets, bpf-to-bpf call and
callback immediates are absolute instruction indexes, and map references are indexes into
the input's maps: 0 array with timer+lock, 1 hash with timer+lock, 2 prog array, 3 hash,
4 per-CPU array, 5 LRU hash, 6 one-element array."""
import os
import struct
import sys

TYPES = dict(socket_filter=0, kprobe=1, sched_cls=2, sched_act=3, tracepoint=4, xdp=5,
             perf_event=6, cgroup_skb=7, cgroup_sock=8, raw_tp=9, syscall=10)
ALU64, JMP, LDX, STX, ST, LD, ALU, JMP32 = 7, 5, 1, 3, 2, 0, 4, 6
W, H, B, DW = 0x00, 0x08, 0x10, 0x18
ADD, MOV, JEQ, JNE, JLT, JGT, CALL, EXIT = 0x00, 0xb0, 0x10, 0x50, 0xa0, 0x20, 0x80, 0x90
K, X, MEM, ATOMIC = 0, 8, 0x60, 0xc0


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack('<BBhi', code, (src << 4) | dst, off, imm)


def mov(dst, imm): return insn(ALU64 | MOV | K, dst, imm=imm)
def movr(dst, src): return insn(ALU64 | MOV | X, dst, src)
def add(dst, imm): return insn(ALU64 | ADD | K, dst, imm=imm)
def call(helper): return insn(JMP | CALL, imm=helper)
def subcall(target): return insn(JMP | CALL, src=1, imm=target)
def exit_(): return insn(JMP | EXIT)
def jeq(dst, imm, target): return insn(JMP | JEQ | K, dst, off=target, imm=imm)
def ldx(size, dst, src, off): return insn(LDX | MEM | size, dst, src, off)
def stx(size, dst, src, off): return insn(STX | MEM | size, dst, src, off)
def st(size, dst, off, imm): return insn(ST | MEM | size, dst, off=off, imm=imm)
def ld64(dst, src_kind, imm, imm2=0):
    return insn(LD | 0x18, dst, src_kind, imm=imm) + insn(0, imm=imm2)
def map_fd(dst, idx): return ld64(dst, 1, idx)
def map_value(dst, idx, off): return ld64(dst, 2, idx, off)
def func(dst, target): return ld64(dst, 4, target)


def lookup(map_idx, key_imm=0):
    """r0 = lookup(map, &key) with key at fp-8; 6 instructions"""
    return (st(W, 10, -8, key_imm) + movr(2, 10) + add(2, -8) + map_fd(1, map_idx) + call(1))


def seed(name, type_, progs, data=b'', ctx=b'', advance=5, flags=0, log_level=1):
    h = bytes([TYPES[type_], flags, len(data), len(ctx), type_ != 'syscall', advance, log_level, 0])
    body = b''
    for p in progs:
        n = len(p) // 8
        body += struct.pack('<H', n - 1) + p
    body += struct.pack('<H', 0xffff)
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(h + body + data + ctx)


def prog(*parts):
    return b''.join(parts)


PKT = bytes(range(64))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                          'corpus', 'fuzz_prog')
os.makedirs(OUT, exist_ok=True)

for t in TYPES:
    seed('ret_' + t, t, [prog(mov(0, 1), exit_())], data=PKT)

# lookup (6 insns) at 0..5, then the value in r0
seed('map_lookup_inc', 'sched_cls', [prog(
    lookup(0), jeq(0, 0, 10), ldx(DW, 1, 0, 8), add(1, 1), stx(DW, 0, 1, 8),
    mov(0, 0), exit_())], data=PKT)
seed('map_update_delete', 'syscall', [prog(
    st(DW, 10, -16, 7), st(W, 10, -8, 3), movr(2, 10), add(2, -8), movr(3, 10), add(3, -16),
    map_fd(1, 3), mov(4, 0), call(2),
    movr(2, 10), add(2, -8), map_fd(1, 3), call(3), mov(0, 0), exit_())])
# timer in the array value (offset 16): init, set_callback, start; callback at the end
timer_prog = prog(
    lookup(0), jeq(0, 0, 25), movr(6, 0),
    movr(1, 6), add(1, 16), map_fd(2, 0), mov(3, 1), call(169),           # 8..13
    movr(1, 6), add(1, 16), func(2, 26), call(170),                       # 14..18
    movr(1, 6), add(1, 16), mov(2, 1000), mov(3, 0), call(171),           # 19..23
    mov(0, 0), exit_(),                                                   # 24..25
    mov(0, 0), exit_())                                                   # 26: callback
seed('timer_array', 'syscall', [timer_prog], advance=10)
seed('timer_hash', 'syscall', [timer_prog.replace(map_fd(1, 0), map_fd(1, 1))
                               .replace(map_fd(2, 0), map_fd(2, 1))], advance=10)
# timer on a hash element that is then deleted (the hole 7 pattern)
seed('timer_hash_delete', 'syscall', [prog(
    st(DW, 10, -24, 0), st(DW, 10, -32, 0), st(W, 10, -8, 1), movr(2, 10), add(2, -8),
    movr(3, 10), add(3, -80), map_fd(1, 1), mov(4, 0), call(2),           # 0..10
    lookup(1), jeq(0, 0, 40), movr(6, 0),                                  # 11..18
    movr(1, 6), add(1, 16), map_fd(2, 1), mov(3, 1), call(169),            # 19..24
    movr(1, 6), add(1, 16), func(2, 42), call(170),                        # 25..29
    movr(1, 6), add(1, 16), mov(2, 0), mov(3, 0), call(171),               # 30..34
    movr(2, 10), add(2, -8), map_fd(1, 1), call(3),                        # 35..39: delete
    mov(0, 0), exit_(), mov(0, 0), exit_())], advance=10)
loop_cb = prog(mov(0, 0), exit_())
seed('bpf_loop', 'syscall', [prog(
    mov(1, 16), func(2, 7), mov(3, 0), mov(4, 0), call(181), exit_(),
    add(1, 0), mov(0, 0), exit_())])
seed('for_each_map_elem', 'syscall', [prog(
    map_fd(1, 0), func(2, 8), mov(3, 0), mov(4, 0), call(164), exit_(),
    mov(0, 0), exit_())])
seed('tail_call', 'sched_cls', [prog(mov(0, 7), exit_()), prog(
    map_fd(2, 2), mov(3, 0), call(12), mov(0, 1), exit_())], data=PKT)
seed('bpf2bpf', 'xdp', [prog(mov(1, 3), subcall(3), exit_(), movr(0, 1), add(0, 1), exit_())],
     data=PKT)
seed('printk', 'syscall', [prog(
    ld64(1, 0, 0x25206968, 0x0a64), stx(DW, 10, 1, -8), movr(1, 10), add(1, -8), mov(2, 8),
    mov(3, 42), call(6), mov(0, 0), exit_())])
seed('spin_lock', 'sched_cls', [prog(
    lookup(0), jeq(0, 0, 14), movr(6, 0), movr(1, 6), add(1, 4), call(93),
    movr(1, 6), add(1, 4), call(94), mov(0, 0), exit_())], data=PKT)
seed('skb_direct', 'sched_cls', [prog(
    ldx(W, 2, 1, 76), ldx(W, 3, 1, 80), movr(4, 2), add(4, 14),
    insn(JMP | JGT | X, 4, 3, off=7), ldx(B, 0, 2, 12), exit_(), mov(0, 0), exit_())],
    data=PKT)
seed('xdp_direct', 'xdp', [prog(
    ldx(W, 2, 1, 0), ldx(W, 3, 1, 4), movr(4, 2), add(4, 14),
    insn(JMP | JGT | X, 4, 3, off=8), ldx(B, 0, 2, 12), stx(B, 2, 0, 0), exit_(), mov(0, 2),
    exit_())], data=PKT)
seed('skb_load_bytes', 'socket_filter', [prog(
    mov(2, 0), movr(3, 10), add(3, -16), mov(4, 8), call(26), ldx(DW, 0, 10, -16), exit_())],
    data=PKT)
seed('ld_abs', 'socket_filter', [prog(movr(6, 1), insn(LD | 0x20 | B, imm=12), exit_())],
     data=PKT)
seed('map_value_atomics', 'syscall', [prog(
    map_value(1, 6, 8), mov(2, 5), insn(STX | ATOMIC | DW, 1, 2, imm=0),
    insn(STX | ATOMIC | DW, 1, 2, imm=1), mov(0, 3), insn(STX | ATOMIC | DW, 1, 2, imm=0xf1),
    insn(STX | ATOMIC | W, 1, 2, imm=0xe1), ldx(DW, 0, 1, 0), exit_())])
seed('counted_loop', 'syscall', [prog(mov(1, 0), add(1, 1), insn(JMP | JLT | K, 1, off=1,
                                                                  imm=100), movr(0, 1), exit_())])
seed('alu_mix', 'syscall', [prog(
    mov(1, 100), mov(2, 0), insn(ALU64 | 0x30 | X, 1, 2), insn(ALU | 0x90 | K, 1, imm=7),
    insn(ALU64 | 0xc0 | K, 1, imm=3), insn(ALU | 0xd0 | 8, 1, imm=16),
    insn(ALU64 | 0x80, 1), insn(JMP32 | JNE | K, 1, off=8, imm=0), movr(0, 1), exit_())],
    log_level=1)
seed('ktime_prandom', 'syscall', [prog(call(5), movr(6, 0), call(7), call(8), call(14),
                                      mov(0, 0), exit_())], log_level=2)
