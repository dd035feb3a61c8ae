#!/usr/bin/env bash
# Validate one 3-certificate chain (RSA-2048 root -> intermediate -> leaf, SHA-256) with
# smime and with OpenSSL in the same run:
#   in process:  the criterion bench crates/smime-pkix/benches/validate.rs (validate())
#   per process: smime cert verify --offline --trust root.pem --untrusted inter.pem leaf.pem
#                openssl verify -CAfile root.pem -untrusted inter.pem leaf.pem
# and `openssl speed -seconds 1 rsa2048` for the cost of the two RSA verifications alone.
#
#   bench/compare_openssl_verify.sh          RUNS=50 bench/compare_openssl_verify.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p smime-cli
SMIME=$PWD/target/release/smime
RUNS=${RUNS:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(
  cd "$work"
  printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > ca.ext
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nsubjectAltName=email:bench@example.com\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > leaf.ext
  openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 30 -subj "/CN=Bench Root" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  for n in inter:root:ca.ext leaf:inter:leaf.ext; do
    IFS=: read -r name issuer ext <<< "$n"
    openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=Bench $name" 2>/dev/null
    openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" -CAcreateserial \
      -out "$name.pem" -days 30 -sha256 -extfile "$ext" 2>/dev/null
  done
)

# best-of-RUNS wall milliseconds of a command (output discarded; it must succeed)
best_ms() {
  local best="" t0 t1 ms
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "FAILED: $*" >&2; exit 1; }; t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  awk -v us="$best" 'BEGIN { printf "%.3f", us / 1000 }'
}

echo "== per process, best of $RUNS (ms; includes process start and reading the files)"
s=$(best_ms "$SMIME" cert verify --offline --trust "$work/root.pem" --untrusted "$work/inter.pem" "$work/leaf.pem")
o=$(best_ms openssl verify -CAfile "$work/root.pem" -untrusted "$work/inter.pem" "$work/leaf.pem")
t=$(best_ms true)
printf '%-60s %8s ms\n' "smime cert verify --offline" "$s" "openssl verify" "$o" "(process start: true)" "$t"
awk -v s="$s" -v o="$o" 'BEGIN { printf "ratio smime/openssl: %.2f\n", s / o }'

echo "== openssl speed rsa2048 (verify/s: two verifications per chain)"
openssl speed -seconds 1 rsa2048 2>/dev/null | awk '/^rsa 2048/ { printf "rsa2048 verify: %s/s -> %.1f us for two\n", $7, 2e6 / $7 }'

echo "== in process (criterion; validate() on the same chain)"
SMIME_PKIX_BENCH_CHAIN="$work" cargo bench -q -p smime-pkix --bench validate -- \
  --warm-up-time 1 --measurement-time 3 "3-certificate" 2>/dev/null | grep -E "time:|validate"
