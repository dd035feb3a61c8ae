#!/usr/bin/env bash
# A first look at smime: builds the release binary, makes a throwaway CA and signing
# certificate with openssl in a temporary directory, signs a sample message, prints it,
# verifies it (the human report) and shows `smime inspect`. Needs Rust (cargo) and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v openssl >/dev/null || { echo "demo.sh needs openssl (apt-get install openssl)" >&2; exit 2; }

echo "==> building the release binary (cargo build --release -p smime-cli)"
cargo build --release -p smime-cli
smime="$PWD/target/release/smime"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "==> a throwaway CA and a certificate for alice@example.com (openssl, in $work)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 30 \
    -subj "/CN=Demo CA" -keyout ca.key -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=Alice/emailAddress=alice@example.com" -keyout alice.key -out alice.csr 2>/dev/null
cat > alice.ext <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
extendedKeyUsage=emailProtection
subjectAltName=email:alice@example.com
EXT
openssl x509 -req -in alice.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -sha256 \
    -extfile alice.ext -out alice.pem 2>/dev/null

printf 'From: alice@example.com\r\nTo: bob@example.org\r\nSubject: Hello from smime\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi Bob,\r\nthis message is signed.\r\n' > mail.eml

echo "==> smime sign --cert alice.pem --key alice.key --in mail.eml --out signed.eml"
"$smime" sign --cert alice.pem --key alice.key --in mail.eml --out signed.eml
echo "----- signed.eml -----"
cat signed.eml
echo "----------------------"

echo "==> smime verify --trust ca.pem --in signed.eml"
status=0
"$smime" verify --trust ca.pem --in signed.eml || status=$?
echo "(exit code $status: 0 valid, 1 not valid, 2 usage or input error)"

echo "==> smime inspect --in signed.eml"
"$smime" inspect --in signed.eml

echo "==> the same message with one byte of the body changed"
sed 's/this message is signed/this message is signeD/' signed.eml > changed.eml
changed=0
"$smime" verify --trust ca.pem --in changed.eml >/dev/null || changed=$?
echo "smime verify exit code: $changed (1: not valid)"
exit "$status"
