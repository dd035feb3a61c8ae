#!/usr/bin/env bash
# Encrypt and decrypt 1 KiB, 1 MiB and 100 MiB messages with smime (release build) and with
# `openssl cms` in the same run, AES-256-GCM and AES-256-CBC to one RSA-2048 recipient
# (RSA-OAEP for smime, openssl's default PKCS#1 v1.5 key transport), and print the best
# wall time of RUNS runs, the CPU time (user+sys) and peak memory of that run, and the
# ratio smime/openssl of the wall times.
#
#   bench/compare_openssl_encrypt.sh              (builds the release binary first)
#   SIZES="1024 1048576" RUNS=5 bench/compare_openssl_encrypt.sh
#
# OpenSSL commands compared:
#   encrypt: openssl cms -encrypt -stream -aes-256-gcm|-aes-256-cbc -in M -out E C
#   decrypt: openssl cms -decrypt -in E -inkey K -recip C -out D
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p smime-cli
SMIME=$PWD/target/release/smime
SIZES=${SIZES:-"1024 1048576 104857600"}
RUNS=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

openssl req -x509 -newkey rsa:2048 -nodes -keyout me.key -out me.pem -days 2 \
  -subj "/CN=Bench/emailAddress=bench@example.com" -addext keyUsage=critical,keyEncipherment \
  -addext extendedKeyUsage=emailProtection 2>/dev/null

# best-of-RUNS wall seconds, and the CPU seconds (user+sys) and peak RSS (MiB) of that run
measure() {
  local best="" cpu="" rss="" i t0 t1 t u s m
  for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s%N)
    /usr/bin/time -f "%U %S %M" -o t.txt "$@" >/dev/null 2>/dev/null || { echo "FAILED: $*" >&2; return 1; }
    t1=$(date +%s%N)
    t=$(( (t1 - t0) / 1000 ))
    read -r u s m < t.txt
    if [[ -z $best ]] || (( t < best )); then
      best=$t; cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}'); rss=$m
    fi
  done
  awk -v us="$best" -v cpu="$cpu" -v kb="$rss" 'BEGIN{printf "%.4f %.2f %d\n", us/1e6, cpu, kb/1024}'
}

printf '%-10s %-12s %-8s %9s %9s %9s %9s %7s %8s %8s\n' size cipher op smime_s ossl_s smimeCPU osslCPU ratio smimeMiB osslMiB
for size in $SIZES; do
  { printf 'From: bench@example.com\r\nTo: you@example.com\r\nSubject: bench\r\nContent-Type: text/plain\r\n\r\n'
    head -c $((size * 3 / 4 + 3)) /dev/urandom | base64 -w 76 | sed 's/$/\r/' | head -c "$size" || true; } > msg.eml
  for cipher in aes-256-gcm aes-256-cbc; do
    read -r se sec sem < <(measure "$SMIME" encrypt --to me.pem --cipher "$cipher" --in msg.eml --out s.eml)
    read -r oe oec oem < <(measure openssl cms -encrypt -stream -"$cipher" -in msg.eml -out o.eml me.pem)
    printf '%-10s %-12s %-8s %9s %9s %9s %9s %7.2f %8s %8s\n' "$size" "$cipher" encrypt "$se" "$oe" "$sec" "$oec" \
      "$(awk "BEGIN{print ($oe>0)?$se/$oe:0}")" "$sem" "$oem"
    read -r sd sdc sdm < <(measure "$SMIME" decrypt --cert me.pem --key me.key --in s.eml --out sd.eml)
    read -r od odc odm < <(measure openssl cms -decrypt -in o.eml -inkey me.key -recip me.pem -out od.eml)
    printf '%-10s %-12s %-8s %9s %9s %9s %9s %7.2f %8s %8s\n' "$size" "$cipher" decrypt "$sd" "$od" "$sdc" "$odc" \
      "$(awk "BEGIN{print ($od>0)?$sd/$od:0}")" "$sdm" "$odm"
  done
done
echo "ratio = smime wall time / openssl wall time (best of $RUNS runs; below 1 means smime is faster)."
echo "CPU = user+sys seconds of the best run; on a busy machine CPU time is the steadier figure."
