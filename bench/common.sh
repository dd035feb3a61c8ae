# Shared by the bench/*_1gib.sh scripts (source it): builds the release binary into $SMIME,
# reads SIZE_MIB (1024 by default) and moves into a temporary work directory removed on exit.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -q -p smime-cli
SMIME=$PWD/target/release/smime
SIZE_MIB=${SIZE_MIB:-1024}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# big_message SOURCE HEADERS: big.eml, the HEADERS (lines joined by CRLF), a blank line and
# SIZE_MIB MiB of base64 of SOURCE (/dev/zero or /dev/urandom) in 76-character CRLF lines.
big_message() {
  { printf '%s\r\n\r\n' "$2"
    head -c $((SIZE_MIB * 1024 * 1024 * 3 / 4)) "$1" | base64 -w 76 | sed 's/$/\r/'; } > big.eml
  ls -l big.eml | awk '{printf "input: %.0f MiB\n", $5/1048576}'
}

# self_signed_cert EXTENSIONS...: me.pem and me.key, RSA 2048, for mem@example.com, with the
# given -addext arguments.
self_signed_cert() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout me.key -out me.pem -days 2 \
    -subj "/CN=Mem/emailAddress=mem@example.com" "$@" 2>/dev/null
}

# report LABEL: the wall time, CPU time (user+system: the machine may be shared) and peak RSS
# that /usr/bin/time wrote to t.txt.
report() {
  tail -1 t.txt | awk -v l="$1" '{printf "%-36s %8.2f s wall %8.2f s CPU %8.1f MiB peak RSS\n", l, $1, $2 + $3, $4/1024}'
}

# run LABEL COMMAND...: run COMMAND (output discarded) and report it, or say that it failed.
run() {
  /usr/bin/time -f "%e %U %S %M" -o t.txt "${@:2}" >/dev/null 2>err.txt || { echo "$1 FAILED: $(cat err.txt)"; return; }
  report "$1"
}
