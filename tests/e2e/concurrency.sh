#!/usr/bin/env bash
# Four processes sign 200 times each through openssl and the libp11 engine
# while a fifth creates and destroys objects on the same token. Every
# signature must succeed and verify.
. "$(dirname "$0")/lib.sh"
SIGNS=${CT_SIGNS:-200}
init_token conc
$P11 --token-label conc --login --pin $PIN --keypairgen --key-type EC:prime256v1 \
  --label signer --id 07 >/dev/null
$P11 --token-label conc --read-object --type pubkey --label signer -o pub.der >/dev/null
openssl pkey -pubin -inform DER -in pub.der -out pub.pem
printf 'telemetry frame\n' >data.bin
uri="pkcs11:token=conc;object=signer;type=private;pin-value=$PIN"

signer() { # signer N: SIGNS signatures, each by a new openssl process
  local n=$1 fails=0
  for i in $(seq "$SIGNS"); do
    if ! OPENSSL_CONF=$WORK/openssl.cnf openssl dgst -sha256 -engine pkcs11 -keyform engine \
         -sign "$uri" -out "sig.$n.$i" data.bin 2>>"err.$n"; then
      fails=$((fails + 1))
    fi
  done
  echo "$fails" >"fails.$n"
}

churn() { # create and destroy data objects until told to stop
  local i=0
  head -c 256 /dev/urandom >blob.bin
  while [ ! -e stop ]; do
    i=$((i + 1))
    $P11 --token-label conc --login --pin $PIN --write-object blob.bin --type data \
      --label "churn-$i" >/dev/null 2>>err.churn || echo "create $i" >>churn.fail
    $P11 --token-label conc --login --pin $PIN --delete-object --type data \
      --label "churn-$i" >/dev/null 2>>err.churn || echo "delete $i" >>churn.fail
  done
  echo "$i" >churn.count
}

step "4 x $SIGNS signatures while objects are created and destroyed"
churn &
churn_pid=$!
PIDS+=($churn_pid)
start=$(date +%s)
for n in 1 2 3 4; do signer "$n" & done
wait $(jobs -p | grep -v "^$churn_pid$") 2>/dev/null || true
for n in 1 2 3 4; do while [ ! -e "fails.$n" ]; do sleep 0.1; done; done
touch stop
wait "$churn_pid"
secs=$(( $(date +%s) - start ))
total=0
for n in 1 2 3 4; do total=$((total + $(cat "fails.$n"))); done
bad=0
for f in sig.*; do
  openssl dgst -sha256 -verify pub.pem -signature "$f" data.bin >/dev/null 2>&1 || bad=$((bad + 1))
done
count=$(ls sig.* | wc -l)
echo "signatures: $count made, $total failed to sign, $bad failed to verify; churn cycles: $(cat churn.count); ${secs}s"
[ -s churn.fail ] && { echo "churn failures:"; cat churn.fail; }
[ "$total" -eq 0 ] || { cat err.* | sort | uniq -c | head; fail "$total signing failures"; }
[ "$bad" -eq 0 ] || fail "$bad signatures do not verify"
[ "$count" -eq $((4 * SIGNS)) ] || fail "expected $((4 * SIGNS)) signatures, found $count"
[ ! -s churn.fail ] || fail "object churn failed"
echo "concurrency: ok"
