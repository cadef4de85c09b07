#!/usr/bin/env python3
"""What an x86-64 call/jump address filter (BCJ, as xz's x86 filter) gains before zstd on ELF pairs (issue 22 item 3).
Each E8 (call) / E9 (jmp) rel32 whose top byte is 00 or FF is rewritten to an absolute address (rel + offset of the
next instruction), on both the old and the new file, so a call to a function that did not move codes the same bytes
wherever the call sits. Then zstd --patch-from (levels 11 and 19, --long=31) with and without the filter, sizes side
by side. Usage: bench/bcj-x86.py OLD NEW [OLD NEW ...]"""
import os, re, subprocess, sys, tempfile

def bcj(data: bytes) -> bytes:
    b = bytearray(data)
    nxt = 0
    for m in re.finditer(b'[\xe8\xe9]', data):
        i = m.start()
        if i < nxt or i + 5 > len(b):
            continue
        top = b[i + 4]
        if top not in (0x00, 0xFF):
            continue
        rel = int.from_bytes(b[i + 1:i + 5], 'little', signed=True)
        absolute = (rel + i + 5) & 0xFFFFFFFF
        b[i + 1:i + 5] = absolute.to_bytes(4, 'little')
        nxt = i + 5
    return bytes(b)

def zsize(old: str, new: str, level: int) -> int:
    with tempfile.NamedTemporaryFile() as out:
        subprocess.run(['zstd', '-q', '-f', f'-{level}', '--single-thread', '--long=31', f'--patch-from={old}', new, '-o', out.name], check=True, stderr=subprocess.DEVNULL)
        return os.path.getsize(out.name)

def main(args):
    print('| pair | new size | zstd -11 | BCJ + zstd -11 | gain | zstd -19 | BCJ + zstd -19 | gain |')
    print('|---|---|---|---|---|---|---|---|')
    for old, new in zip(args[::2], args[1::2]):
        with tempfile.TemporaryDirectory() as d:
            fo, fn = os.path.join(d, 'old'), os.path.join(d, 'new')
            open(fo, 'wb').write(bcj(open(old, 'rb').read()))
            open(fn, 'wb').write(bcj(open(new, 'rb').read()))
            row = [f'{os.path.basename(old)} -> {os.path.basename(new)}', f'{os.path.getsize(new) / 1e6:.1f} MB']
            for level in (11, 19):
                plain, filtered = zsize(old, new, level), zsize(fo, fn, level)
                row += [f'{plain / 1e3:.1f} KB', f'{filtered / 1e3:.1f} KB', f'{(1 - filtered / plain) * 100:.1f}%']
            print('| ' + ' | '.join(row) + ' |', flush=True)

main(sys.argv[1:])
