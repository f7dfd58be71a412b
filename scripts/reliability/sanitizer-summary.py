#!/usr/bin/env python3
"""Sorts AddressSanitizer / LeakSanitizer / ThreadSanitizer reports of a log into those whose stacks pass through
this repository's code (CShim/, Sources/) and the rest (GLib, GStreamer, Swift runtime, test harness).
Usage: sanitizer-summary.py LOG   (prints counts and the first frames of each report of ours)"""
import re
import sys

text = open(sys.argv[1], errors="replace").read()
# Report blocks: a header line, then frames "#N 0x... in func file:line".
starts = [m.start() for m in re.finditer(r"^(Direct leak|Indirect leak|WARNING: ThreadSanitizer|==\d+==ERROR: AddressSanitizer)", text, re.M)]
starts.append(len(text))
ours, others = [], []
# Frames of our code: its files, the HappyHorse / HappyHorseCABI Swift modules (mangled "10HappyHorse",
# "14HappyHorseCABI"), the shim's C functions. Test code (HappyHorseTests, GstHappyHorseTests) is not "ours" here.
ours_markers = ("/CShim/", "/Sources/", "$s10HappyHorse", "$s14HappyHorseCABI", " gst_happy_horse", " hh_")
for a, b in zip(starts, starts[1:]):
    block = text[a:b]
    kind = block.split("\n", 1)[0]
    if kind.startswith("WARNING: ThreadSanitizer"):
        # A race has two (or more) access stacks, each a paragraph ("Write of size 8 … by thread T6", "Previous read
        # …"); both count. The "Location is heap block …", "Mutex … created at" and "Thread … created by" paragraphs
        # do not: where memory or a lock was made says nothing about who raced on it.
        end = block.find("SUMMARY: ThreadSanitizer")
        paragraphs = (block if end < 0 else block[:end]).split("\n\n")
        block = "\n".join(p for p in paragraphs
                          if re.match(r"\s*(WARNING|Read|Write|Previous|Atomic|  (Read|Write))", p.lstrip("\n")))
    else:
        end = block.find("\n\n")
        block = block if end < 0 else block[:end]
    frames = [l for l in block.split("\n") if re.match(r"\s+#\d+ ", l)]
    mine = [f for f in frames if any(m in f for m in ours_markers) and "/Tests/" not in f]
    (ours if mine else others).append((kind, mine[:4] or frames[:3]))
def count(kind, items):
    return sum(1 for k, _ in items if k.startswith(kind) or kind in k)
print(f"sanitizer reports: {len(ours)} through our code, {len(others)} elsewhere "
      f"(leaks ours/others: {count('Direct leak', ours)}/{count('Direct leak', others)} direct, "
      f"{count('Indirect leak', ours)}/{count('Indirect leak', others)} indirect; "
      f"races ours/others: {count('ThreadSanitizer', ours)}/{count('ThreadSanitizer', others)}; "
      f"ASan errors: {count('AddressSanitizer', ours) + count('AddressSanitizer', others)})")
for kind, frames in ours[:20]:
    print("OURS:", kind.strip())
    for f in frames:
        print("   ", f.strip()[:200])
