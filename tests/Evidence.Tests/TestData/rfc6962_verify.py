#!/usr/bin/env python3
"""An independent RFC 6962 / RFC 9162 proof checker, sharing no code with Evidence.

usage: rfc6962_verify.py inclusion PROOF.json   (the JSON of `evidence log inclusion --json`)
       rfc6962_verify.py consistency PROOF.json (the JSON of `evidence log consistency --json`)
       rfc6962_verify.py events EVENTS.jsonl CHECKPOINT.txt
                                                (the events, one leaf a line, as `evidence log events` and the audit
                                                 page's download write them, against a checkpoint's size and root; the
                                                 signature is openssl's to check)
Prints "ok" and exits 0 when the proof holds, prints "bad" and exits 1 otherwise.
"""
import base64, hashlib, json, sys

def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()

def inclusion(p):
    leaf = p["leaf"].encode("utf-8")
    r = hashlib.sha256(b"\x00" + leaf).digest()
    if r.hex() != p["leafHash"]:
        return False
    fn, sn = p["index"], p["size"] - 1
    if fn > sn:
        return False
    for h in (bytes.fromhex(x) for x in p["proof"]):
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(h, r)
            while not fn & 1 and fn != 0:
                fn >>= 1; sn >>= 1
        else:
            r = node(r, h)
        fn >>= 1; sn >>= 1
    return sn == 0 and r.hex() == p["root"]

def consistency(p):
    first, second = p["from"], p["to"]
    old, new = bytes.fromhex(p["oldRoot"]), bytes.fromhex(p["newRoot"])
    path = [bytes.fromhex(x) for x in p["proof"]]
    if first == second:
        return not path and old == new
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [old] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1; sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1; sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1; sn >>= 1
    return sn == 0 and fr == old and sr == new

def events(path, checkpoint):
    # The checkpoint body: origin, size, base64 root. The root of the first `size` lines, read one at a time and
    # folded as a stack of perfect subtrees (sizes the binary digits of the count), so a log of millions of events
    # needs O(log n) memory; the tree's root is the right-to-left fold of that stack (RFC 9162 2.1.1).
    lines = open(checkpoint, encoding="utf-8").read().split("\n")
    size, root = int(lines[1]), base64.b64decode(lines[2])
    stack, count = [], 0
    with open(path, "rb") as f:
        for line in f:
            if count == size:
                break
            if not line.endswith(b"\n"):
                return False  # every leaf ends in a newline that is not part of it
            h = hashlib.sha256(b"\x00" + line[:-1]).digest()
            count += 1
            height = 0
            while stack and stack[-1][1] == height:
                h = node(stack.pop()[0], h)
                height += 1
            stack.append((h, height))
    if count != size:
        return False
    r = hashlib.sha256(b"").digest() if not stack else stack[-1][0]
    for left, _ in reversed(stack[:-1]):
        r = node(left, r)
    return r == root

if sys.argv[1] == "events":
    ok = events(sys.argv[2], sys.argv[3])
else:
    proof = json.load(open(sys.argv[2]))
    ok = inclusion(proof) if sys.argv[1] == "inclusion" else consistency(proof)
print("ok" if ok else "bad")
sys.exit(0 if ok else 1)
