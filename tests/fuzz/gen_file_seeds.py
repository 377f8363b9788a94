#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_btf and fuzz_elf from BPF objects:
    gen_file_seeds.py OBJ.bpf.o...
fuzz_elf gets each object as it is; fuzz_btf gets each object's .BTF section (the
target's 66-byte prefix first: control byte, type choice, value contents) and a few BTFs
built here: a struct value with a bpf_spin_lock and a bpf_timer, a bit-field struct, a
function with its prototype, an enum, a datasec."""
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = bytes([1, 0]) + bytes(range(64))


class Btf:
    """A BTF writer: types in order of addition, ids from 1."""
    INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF = 1, 2, 3, 4, 5, 6, 7, 8
    VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO, VAR, DATASEC = 9, 10, 11, 12, 13, 14, 15

    def __init__(self):
        self.types, self.strs, self.n = b'', b'\0', 0

    def s(self, name):
        if not name:
            return 0
        off = len(self.strs)
        self.strs += name.encode() + b'\0'
        return off

    def add(self, name, kind, vlen, size_or_type, extra=b'', kflag=0):
        info = (kflag << 31) | (kind << 24) | vlen
        self.types += struct.pack('<III', self.s(name), info, size_or_type) + extra
        self.n += 1
        return self.n

    def int_(self, name, size, enc=0, bits=None):
        enc_bits = (enc << 24) | (bits or size * 8)
        return self.add(name, self.INT, 0, size, struct.pack('<I', enc_bits))

    def struct_(self, name, size, members, kflag=0):
        extra = b''.join(struct.pack('<III', self.s(n), t, off) for n, t, off in members)
        return self.add(name, self.STRUCT, len(members), size, extra, kflag)

    def raw(self):
        hdr = struct.pack('<HBBIIIII', 0xeB9F, 1, 0, 24, 0, len(self.types), len(self.types),
                          len(self.strs))
        return hdr + self.types + self.strs


def built():
    b = Btf()
    i32 = b.int_('int', 4, 1)
    i64 = b.int_('long', 8, 1)
    ch = b.int_('char', 1, 2)
    lock = b.struct_('bpf_spin_lock', 4, [('val', i32, 0)])
    timer = b.struct_('bpf_timer', 16, [('a', i64, 0), ('b', i64, 64)])
    arr = b.add('', Btf.ARRAY, 0, 0, struct.pack('<III', ch, i32, 24))
    b.struct_('val', 56, [('a', i32, 0), ('lock', lock, 32), ('b', i64, 64),
                          ('timer', timer, 128), ('name', arr, 256)])
    yield 'special_fields', b.raw()

    b = Btf()
    u32 = b.int_('unsigned int', 4)
    b.struct_('bits', 8, [('a', u32, 3 << 24 | 0), ('b', u32, 13 << 24 | 3),
                          ('c', u32, 16 << 24 | 16), ('d', u32, 32)], kflag=1)
    yield 'bitfields', b.raw()

    b = Btf()
    i32 = b.int_('int', 4, 1)
    proto = b.add('', Btf.FUNC_PROTO, 1, i32, struct.pack('<II', b.s('x'), i32))
    b.add('f', Btf.FUNC, 0, proto)
    b.add('e', Btf.ENUM, 2, 4, struct.pack('<IiIi', b.s('A'), 0, b.s('B'), -1))
    ptr = b.add('', Btf.PTR, 0, i32)
    b.add('t', Btf.TYPEDEF, 0, ptr)
    var = b.add('v', Btf.VAR, 0, i32, struct.pack('<I', 1))
    b.add('.data', Btf.DATASEC, 1, 4, struct.pack('<III', var, 0, 4))
    yield 'func_enum_datasec', b.raw()


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def main():
    btf_dir = os.path.join(HERE, 'corpus', 'fuzz_btf')
    elf_dir = os.path.join(HERE, 'corpus', 'fuzz_elf')
    for name, raw in built():
        write(btf_dir, name, PREFIX + raw)
    with tempfile.TemporaryDirectory() as tmp:
        for obj in sys.argv[1:]:
            name = os.path.basename(obj).replace('.bpf.o', '')
            with open(obj, 'rb') as f:
                write(elf_dir, name, f.read())
            out = os.path.join(tmp, name + '.btf')
            subprocess.run(['llvm-objcopy', '--dump-section', '.BTF=' + out, obj, os.devnull],
                           check=True)
            with open(out, 'rb') as f:
                write(btf_dir, name, PREFIX + f.read())


main()
