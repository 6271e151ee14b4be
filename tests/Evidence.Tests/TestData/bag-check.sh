#!/usr/bin/env bash
# An independent BagIt 1.0 check (RFC 8493) of an unzipped bag, with coreutils only and none of Evidence's code:
# the Library of Congress validator is Python from PyPI, which this build cannot reach, so the tests check the
# same rules it does here: bagit.txt, no unlisted or missing payload files, Payload-Oxum, every manifest hash.
# usage: bag-check.sh BAG-FOLDER; prints "bag valid" and exits 0, or says what is wrong and exits 1.
set -euo pipefail
cd "$1"
fail() { echo "bag invalid: $*"; exit 1; }

[ -d data ] || fail "no data/ folder"
[ "$(cat bagit.txt)" = "$(printf 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8')" ] || fail "bagit.txt is not a BagIt 1.0 declaration"
head -c 3 bagit.txt | grep -q $'^\xef\xbb\xbf' && fail "bagit.txt starts with a byte order mark"

for manifest in manifest-sha256.txt manifest-sha512.txt; do
  [ -f "$manifest" ] || fail "no $manifest"
  listed=$(sed -E 's/^[0-9a-f]+ +//' "$manifest" | sort)
  present=$(find data -type f | sort)
  [ "$listed" = "$present" ] || fail "$manifest and data/ disagree: $(diff <(echo "$listed") <(echo "$present") | head -5 | tr '\n' ' ')"
  [ -z "$(sed -E 's/^[0-9a-f]+ +//' "$manifest" | sort | uniq -d)" ] || fail "$manifest lists a file twice"
done
sha256sum --quiet -c manifest-sha256.txt || fail "a payload file does not match manifest-sha256.txt"
sha512sum --quiet -c manifest-sha512.txt || fail "a payload file does not match manifest-sha512.txt"
sha256sum --quiet -c tagmanifest-sha256.txt || fail "a tag file does not match tagmanifest-sha256.txt"

oxum=$(sed -n 's/^Payload-Oxum: *//p' bag-info.txt | tr -d '\r')
bytes=$(find data -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
count=$(find data -type f | wc -l)
[ "$oxum" = "$bytes.$count" ] || fail "Payload-Oxum is $oxum, the payload is $bytes.$count"
for field in Source-Organization Contact-Name External-Identifier Bagging-Date Bag-Count Internal-Sender-Description; do
  grep -q "^$field: ." bag-info.txt || fail "bag-info.txt has no $field"
done
echo "bag valid"
