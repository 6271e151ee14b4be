#!/usr/bin/env python3
"""An independent client of a C2SP tlog-tiles log, written from the specs alone and sharing no code with Evidence:
https://c2sp.org/tlog-tiles, https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note, RFC 6962 / RFC 9162 (the tree
and its proofs) and RFC 8032 (Ed25519). Python 3 standard library only.

    tlog_check.py LOG --key VERIFIER-KEY [--origin O] [--token T] [--leaf N]... [--all]
                      [--old-checkpoint FILE] [--save-checkpoint FILE] [--witness WITNESS-KEY]...

LOG is the log's URL prefix (https://host/log) or a folder holding a static mirror (checkpoint, tile/...).
It verifies the checkpoint's Ed25519 signature with the pinned key, recomputes the root from the hash tiles, proves each
--leaf from its entry bundle (the leaf hashed, its audit path computed from tiles, folded as RFC 9162 says), with --all
checks every tile against the level above and every bundle against the level-0 tiles, and with --old-checkpoint proves
that the current tree extends an earlier one, and with --witness requires a valid tlog-cosignature/v1 (Ed25519,
https://c2sp.org/tlog-cosignature) by that witness on the checkpoint. Prints what it checked and exits 0, or prints why not and exits 1.
--token sends "Authorization: Bearer T" (entry bundles may need a role).
"""
import argparse
import base64
import hashlib
import os
import sys
import urllib.error
import urllib.request

# ---- Ed25519 verification, RFC 8032 section 5.1 (the reference code of section 6, verification only) ----
P = 2**255 - 19
Q = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P)
    if x2 % P == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


def _add(a, b):
    A = (a[1] - a[0]) * (b[1] - b[0]) % P
    B = (a[1] + a[0]) * (b[1] + b[0]) % P
    C = 2 * a[3] * b[3] * D % P
    Dd = 2 * a[2] * b[2] % P
    E, F, G, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G * H % P, F * G % P, E * H % P)


def _mul(s, point):
    result = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _add(result, point)
        point = _add(point, point)
        s >>= 1
    return result


def _equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def _decompress(s):
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % P)


_GY = 4 * pow(5, P - 2, P) % P
BASE = (_recover_x(_GY, 0), _GY, 1, _recover_x(_GY, 0) * _GY % P)


def ed25519_verify(public, message, signature):
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % Q
    return _equal(_mul(s, BASE), _add(r, _mul(h, a)))


# ---- signed notes and checkpoints ----
class Failure(Exception):
    pass


def parse_verifier_key(vkey):
    """name+hex(key id)+base64(0x01 || Ed25519 public key), key id = SHA-256(name || 0x0A || 0x01 || key)[:4]."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise Failure("the verifier key is not name+keyid+key")
    name, key_id, key = parts[0], bytes.fromhex(parts[1]), base64.b64decode(parts[2], validate=True)
    if len(key) != 33 or key[0] != 0x01:
        raise Failure("the verifier key is not an Ed25519 (type 0x01) key")
    if hashlib.sha256(name.encode() + b"\n" + key).digest()[:4] != key_id:
        raise Failure("the verifier key's id does not match its name and key")
    return name, key_id, key[1:]


def verify_cosignature(text, witness_key):
    """A tlog-cosignature v1 line by the witness (name+keyid+base64(0x04 || key)) over the checkpoint body; returns its time."""
    parts = witness_key.strip().split("+", 2)
    if len(parts) != 3:
        raise Failure("the witness key is not name+keyid+key")
    name, key_id, key = parts[0], bytes.fromhex(parts[1]), base64.b64decode(parts[2], validate=True)
    if len(key) != 33 or key[0] != 0x04 or hashlib.sha256(name.encode() + b"\n" + key).digest()[:4] != key_id:
        raise Failure(f"the witness key of {name} is not an Ed25519 cosignature key (type 0x04) with a matching id")
    split = text.rindex("\n\n")
    body = text[: split + 1].encode("utf-8")
    for line in text[split + 2 :].splitlines():
        fields = line.split(" ")
        if len(fields) != 3 or fields[0] != "\u2014" or fields[1] != name:
            continue
        blob = base64.b64decode(fields[2])
        if len(blob) != 4 + 8 + 64 or blob[:4] != key_id:
            continue
        time = int.from_bytes(blob[4:12], "big")
        message = b"cosignature/v1\ntime " + str(time).encode() + b"\n" + body
        if ed25519_verify(key[1:], message, blob[12:]):
            return time
    raise Failure(f"no valid cosignature by {name} on the checkpoint")


def verify_checkpoint(text, vkey, origin):
    """Returns (size, root, body) of a checkpoint note that carries a valid signature by vkey; raises Failure otherwise."""
    name, key_id, public = vkey
    if not text.endswith("\n") or "\n\n" not in text:
        raise Failure("the checkpoint is not a signed note (text, blank line, signature lines)")
    split = text.rindex("\n\n")
    body, signatures = text[: split + 1], text[split + 2 :]
    signed = False
    for line in signatures.splitlines():
        fields = line.split(" ")
        if len(fields) != 3 or fields[0] != "\u2014" or fields[1] != name:
            continue
        blob = base64.b64decode(fields[2])
        if len(blob) == 68 and blob[:4] == key_id and ed25519_verify(public, body.encode("utf-8"), blob[4:]):
            signed = True
    if not signed:
        raise Failure(f"no valid signature by {name} on the checkpoint")
    lines = body.split("\n")
    if len(lines) < 4 or lines[0] != origin:
        raise Failure(f"the checkpoint's origin is {lines[0]!r}, not {origin!r}")
    if not lines[1].isdigit() or (len(lines[1]) > 1 and lines[1][0] == "0"):
        raise Failure(f"the checkpoint's size {lines[1]!r} is not a decimal number")
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32:
        raise Failure("the checkpoint's root hash is not 32 bytes")
    return int(lines[1]), root, body


# ---- tiles ----
def tile_path(level, index, width):
    """tile/<L>/<N>[.p/<W>], N in 3-digit groups, all but the last prefixed with x."""
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    number = "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])
    return f"tile/{level}/{number}" + (f".p/{width}" if width < 256 else "")


class Log:
    def __init__(self, location, token):
        self.location = location.rstrip("/")
        self.token = token
        self.fetched = {}

    def get(self, path):
        if path in self.fetched:
            return self.fetched[path]
        if self.location.startswith(("http://", "https://")):
            request = urllib.request.Request(self.location + "/" + path)
            if self.token:
                request.add_header("Authorization", "Bearer " + self.token)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    data = response.read()
            except urllib.error.HTTPError as e:
                raise Failure(f"{path}: HTTP {e.code}")
        else:
            try:
                with open(os.path.join(self.location, *path.split("/")), "rb") as f:
                    data = f.read()
            except OSError as e:
                raise Failure(f"{path}: {e.strerror}")
        self.fetched[path] = data
        return data


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


class Tree:
    """The tree of one checkpoint's size, its hashes read from the tiles that size requires (and nothing beyond)."""

    def __init__(self, log, size):
        self.log, self.size = log, size

    def width(self, level, index):
        """How wide tile (level, index) is in this tree: 256, or the partial width floor(size / 256**level) mod 256."""
        count = self.size >> (8 * level)
        if index < count // 256:
            return 256
        if index == count // 256 and count % 256:
            return count % 256
        raise Failure(f"tile {level}/{index} is beyond a tree of {self.size}")

    def tile(self, level, index):
        width = self.width(level, index)
        data = self.log.get(tile_path(level, index, width))
        if len(data) != 32 * width:
            raise Failure(f"{tile_path(level, index, width)} has {len(data)} bytes, not {32 * width}")
        return [data[i : i + 32] for i in range(0, len(data), 32)]

    def bundle(self, index):
        width = self.width(0, index)
        path = "tile/entries/" + tile_path(0, index, width)[len("tile/0/") :]
        data, entries, at = self.log.get(path), [], 0
        while at < len(data):
            if at + 2 > len(data):
                raise Failure(f"{path} ends inside a length prefix")
            length = int.from_bytes(data[at : at + 2], "big")
            if at + 2 + length > len(data):
                raise Failure(f"{path} ends inside an entry")
            entries.append(data[at + 2 : at + 2 + length])
            at += 2 + length
        if len(entries) != width:
            raise Failure(f"{path} holds {len(entries)} entries, not {width}")
        return entries

    def perfect(self, start, count):
        """MTH of the perfect subtree of count = 2**l leaves at start: 2**(l mod 8) hashes of the tile at level l // 8, hashed up."""
        l = count.bit_length() - 1
        tile_level, below = divmod(l, 8)
        first = start >> (8 * tile_level)  # index of its first hash at tree level 8 * tile_level
        hashes = self.tile(tile_level, first // 256)
        offset = first % 256
        row = hashes[offset : offset + (1 << below)]
        if len(row) != 1 << below:
            raise Failure(f"tile {tile_level}/{first // 256} is too short for the subtree of {count} at {start}")
        while len(row) > 1:
            row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
        return row[0]

    def mth(self, start, n):
        """RFC 6962 MTH(D[start:start+n]), n >= 1, split at the largest power of two smaller than n."""
        if n & (n - 1) == 0 and start % n == 0:
            return self.perfect(start, n)
        k = 1 << ((n - 1).bit_length() - 1)
        return node_hash(self.mth(start, k), self.mth(start + k, n - k))

    def root(self, n=None):
        n = self.size if n is None else n
        return hashlib.sha256(b"").digest() if n == 0 else self.mth(0, n)

    def path(self, m, start, n):
        """RFC 6962 PATH(m, D[start:start+n])."""
        if n == 1:
            return []
        k = 1 << ((n - 1).bit_length() - 1)
        if m < k:
            return self.path(m, start, k) + [self.mth(start + k, n - k)]
        return self.path(m - k, start + k, n - k) + [self.mth(start, k)]

    def subproof(self, m, start, n, complete):
        """RFC 6962 SUBPROOF(m, D[start:start+n], b)."""
        if m == n:
            return [] if complete else [self.mth(start, n)]
        k = 1 << ((n - 1).bit_length() - 1)
        if m <= k:
            return self.subproof(m, start, k, complete) + [self.mth(start + k, n - k)]
        return self.subproof(m - k, start + k, n - k, False) + [self.mth(start, k)]


def verify_inclusion(leaf, index, size, proof, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, proof):
    """RFC 9162 section 2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if not proof or first < 1 or first > second:
        return False
    if first & (first - 1) == 0:
        proof = [first_root] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


def check(args):
    vkey = parse_verifier_key(args.key)
    origin = args.origin or vkey[0]
    log = Log(args.log, args.token)
    text = log.get("checkpoint").decode("utf-8")
    size, root, _ = verify_checkpoint(text, vkey, origin)
    said = [f"checkpoint {origin} size {size} signed by {vkey[0]}"]
    tree = Tree(log, size)
    if tree.root() != root:
        raise Failure(f"the root computed from the tiles is not the checkpoint's root (size {size})")
    said.append("root recomputed from tiles")
    for index in args.leaf:
        if index >= size:
            raise Failure(f"leaf {index} is not in a tree of {size}")
        entry = tree.bundle(index // 256)[index % 256]
        hashed = leaf_hash(entry)
        if hashed != tree.tile(0, index // 256)[index % 256]:
            raise Failure(f"entry {index} does not hash to its level-0 tile hash")
        if not verify_inclusion(hashed, index, size, tree.path(index, 0, size), root):
            raise Failure(f"the inclusion proof of entry {index} does not verify against the checkpoint")
        said.append(f"leaf {index} included")
    if args.all:
        for level in range(8):
            count = size >> (8 * level)
            if count == 0:
                break
            for index in range((count + 255) // 256):
                hashes = tree.tile(level, index)
                if len(hashes) == 256 and (size >> (8 * (level + 1))) > index:
                    if node_hash_row(hashes) != tree.tile(level + 1, index // 256)[index % 256]:
                        raise Failure(f"tile {level}/{index} does not hash to its hash in level {level + 1}")
                if level == 0:
                    for i, entry in enumerate(tree.bundle(index)):
                        if leaf_hash(entry) != hashes[i]:
                            raise Failure(f"entry {index * 256 + i} does not hash to its level-0 tile hash")
        said.append("every tile and bundle")
    if args.old_checkpoint:
        with open(args.old_checkpoint, encoding="utf-8") as f:
            old_size, old_root, _ = verify_checkpoint(f.read(), vkey, origin)
        if old_size > size:
            raise Failure(f"the earlier checkpoint ({old_size}) is larger than the current one ({size})")
        if old_size > 0:
            proof = tree.subproof(old_size, 0, size, True)
            if not verify_consistency(old_size, size, old_root, root, proof):
                raise Failure(f"the tree of {size} is not consistent with the earlier checkpoint of {old_size}")
        said.append(f"consistent with size {old_size}")
    for witness in args.witness:
        time = verify_cosignature(text, witness)
        said.append(f"cosigned by {witness.split('+')[0]} at {time}")
    if args.save_checkpoint:
        with open(args.save_checkpoint, "w", encoding="utf-8") as f:
            f.write(text)
    return said


def node_hash_row(hashes):
    row = list(hashes)
    while len(row) > 1:
        row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
    return row[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log")
    parser.add_argument("--key", required=True)
    parser.add_argument("--origin")
    parser.add_argument("--token")
    parser.add_argument("--leaf", type=int, action="append", default=[])
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--old-checkpoint")
    parser.add_argument("--save-checkpoint")
    parser.add_argument("--witness", action="append", default=[])
    args = parser.parse_args()
    try:
        said = check(args)
    except (Failure, ValueError, UnicodeDecodeError) as e:
        print(f"FAIL: {e}")
        return 1
    print("ok: " + "; ".join(said))
    return 0


if __name__ == "__main__":
    sys.exit(main())
