#!/usr/bin/env bash
# `cmake --install` puts the module in p11-kit's module directory with a
# credtoken.module file, so p11-kit and p11tool find our tokens. The files
# installed here are removed again at the end.
. "$(dirname "$0")/lib.sh"
BUILD=${CREDTOKEN_TEST_BUILD:?CREDTOKEN_TEST_BUILD not set}
moddir=$(pkg-config --variable=p11_module_path p11-kit-1)
cfgdir=$(pkg-config --variable=p11_module_configs p11-kit-1)
uninstall() { [ -f "$BUILD/install_manifest.txt" ] && xargs rm -f <"$BUILD/install_manifest.txt"; cleanup; }
trap uninstall EXIT
cmake --install "$BUILD" >install.log || { cat install.log; fail "cmake --install"; }
[ -f "$moddir/credtoken-pkcs11.so" ] || fail "module not in $moddir"
[ -f "$cfgdir/credtoken.module" ] || fail "credtoken.module not in $cfgdir"
grep -q "^module: $moddir/credtoken-pkcs11.so" "$cfgdir/credtoken.module" || fail "module path"

step "the installed CLI finds the installed module by default"
printf '%s\n' $SO_PIN >so.pin
printf '%s\n' $PIN >user.pin
chmod 600 so.pin user.pin
credtoken init --label installed --so-pin-file so.pin --pin-file user.pin
credtoken list --json >list.json
expect_in '"label":"installed"' list.json

step "p11-kit list-modules"
p11-kit list-modules >modules.txt 2>&1
expect_in "credtoken-pkcs11.so" modules.txt
expect_in "installed" modules.txt

step "p11tool --list-tokens"
p11tool --list-tokens >tokens.txt 2>&1
expect_in "Label: installed" tokens.txt
expect_in "Manufacturer: credtoken" tokens.txt
echo "install: ok"
