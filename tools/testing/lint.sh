#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static gates over the module, the shared headers and the scripts; each
# one fails on any finding:
#   checkpatch   scripts/checkpatch.pl --no-tree --strict of the debug kernel
#                tree over kmod/*.[ch] and uapi/linux/sockobj.h, with the
#                exceptions of .checkpatch.conf (the uapi header is checked
#                under the path it would have in a kernel tree,
#                include/uapi/linux/sockobj.h, so that checkpatch applies its
#                uapi rules: no BIT() there)
#   sparse       C=2 build against the stock kernel's headers (a copy of
#                kmod/ in build/lint/), CF=-D__CHECK_ENDIAN__
#   kernel-doc   scripts/kernel-doc -none -v (6.1's equivalent of the later
#                -Wall: it adds the Return: check) on kmod/*.[ch] and the
#                uapi header, and every non-static kmod function documented;
#                userlib/sockobj.h: kernel-doc-clean, and since it documents
#                its functions in man pages, every declared function has a
#                page in userlib/man whose NAME line names it
#   uapi-c90     the uapi header included twice by a C90 TU
#                (gcc -std=c90 -pedantic -Wall -Werror) and alone in C++
#   w1           the module built with W=1 against the stock headers, with
#                no warning (a copy of kmod/ in build/lint/); also with
#                -Wmaybe-uninitialized and locals left uninitialized:
#                Debian's kernels zero them (CONFIG_INIT_STACK_ALL_ZERO),
#                which hides a read of one from the compiler and the tests
#   shell        every shell script of the repository (*.sh and files with
#                a sh or bash #! line) through shellcheck, every severity,
#                but the findings of SHELLCHECK_EXCEPT below
#   python       every Python script (*.py and files with a python #! line:
#                vm-run, the benchmark's) through pyflakes3
#
# Scripts are the files git tracks (every file outside build/ and .git/
# when this is not a git checkout).
#
#   tools/testing/lint.sh [GATE...]      default: all gates
#
# Kernel scripts are used from the kernel source tools/testing/kernel/ksrc.sh
# prints (the debug kernel tree when built, else those scripts extracted
# from Debian's linux-source-6.1), or $LINT_TREE; nothing is copied into the
# repository.
# Prints "lint: <gate>: ok" or "lint: <gate>: FAILED" with the findings
# (file:line: message), and finally "lint: N passed, N failed, N skipped".
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
REPO=$PWD
OUT=$REPO/build/lint
PROG=lint

passed=0
failed=0
skipped=0
gate_ok() { passed=$((passed + 1)); echo "$PROG: $1: ok${2:+ ($2)}"; }
gate_fail() {
	failed=$((failed + 1))
	echo "$PROG: $1: FAILED${3:+ ($3)}"
	printf '%s\n' "$2" | sed '/^$/d; s/^/    /'
}
gate_skip() { skipped=$((skipped + 1)); echo "$PROG: $1: skipped ($2)"; }

ALL_GATES="checkpatch sparse kernel-doc uapi-c90 w1 shell python"
gates=${*:-$ALL_GATES}
for g in $gates; do
	case " $ALL_GATES " in
	*" $g "*) ;;
	*) echo "usage: tools/testing/lint.sh [$ALL_GATES]" >&2; exit 2 ;;
	esac
done
want() { case " $gates " in *" $1 "*) return 0 ;; esac; return 1; }

# The scripts are those of Debian's linux-source-6.1, which never waits
# for a kernel build (a changed debug.config must not make lint wait).
TREE=${LINT_TREE:-}
if [ -z "$TREE" ] && { want checkpatch || want kernel-doc; }; then
	TREE=$(tools/testing/kernel/ksrc.sh) || TREE=
fi
STOCK=
if want sparse || want w1; then
	STOCK=$(tools/testing/kernel/stock.sh build) || STOCK=
fi

mkdir -p "$OUT"
# Every gate writes under $OUT: a second run in this checkout waits its turn.
exec 9>"$OUT/.lock"
flock 9
KMOD_C=
for f in kmod/*.c; do
	case $f in *.mod.c) ;; *) KMOD_C="$KMOD_C $f" ;; esac
done
KMOD_H=$(echo kmod/*.h)

# A copy of the module sources without build products, to build in.
copy_module() {
	local dir=$1
	rm -rf "$dir"
	mkdir -p "$dir"
	rsync -a --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' --exclude '*.mod' \
		--exclude '*.mod.c' --exclude 'Module.symvers' --exclude 'modules.order' \
		--exclude '*.a' kmod uapi VERSION "$dir/"
}

# Lines of a kbuild run that are not findings.
kbuild_noise='^(  [A-Z][A-Z0-9_ ]{0,7} |make(\[[0-9]+\])?: (Entering|Leaving) directory|Skipping BTF generation)'

# ---------------------------------------------------------------- checkpatch
if want checkpatch; then
	if [ -z "$TREE" ] || [ ! -x "$TREE/scripts/checkpatch.pl" ]; then
		gate_fail checkpatch "no kernel tree with scripts/checkpatch.pl (tools/testing/kernel/build-debug.sh)"
	else
		cp_out=$OUT/checkpatch
		rm -rf "$cp_out"
		mkdir -p "$cp_out/include/uapi/linux"
		ln -s "$REPO/uapi/linux/sockobj.h" "$cp_out/include/uapi/linux/sockobj.h"
		ln -s "$REPO/.checkpatch.conf" "$cp_out/.checkpatch.conf"
		# shellcheck disable=SC2086
		res=$({
			"$TREE/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
				-f $KMOD_C $KMOD_H
			(cd "$cp_out" && "$TREE/scripts/checkpatch.pl" --no-tree --strict \
				--terse --show-types -f include/uapi/linux/sockobj.h) |
				sed 's|^include/uapi/linux/sockobj.h:|uapi/linux/sockobj.h:|'
		} 2>&1 | grep -v '^total: 0 errors, 0 warnings, 0 checks' | grep -v '^total: ')
		# shellcheck disable=SC2086
		n=$(echo $KMOD_C $KMOD_H uapi/linux/sockobj.h | wc -w)
		if [ -z "$res" ]; then
			gate_ok checkpatch "$n files"
		else
			gate_fail checkpatch "$res" "$(grep -c . <<<"$res") findings"
		fi
	fi
fi

# -------------------------------------------------------------------- sparse
if want sparse; then
	if ! command -v sparse >/dev/null; then
		tools/testing/deps.sh >&2 || true
	fi
	if ! command -v sparse >/dev/null; then
		gate_fail sparse "sparse is not installed (tools/testing/deps.sh)"
	elif [ -z "$STOCK" ]; then
		gate_fail sparse "no stock kernel headers (tools/testing/deps.sh)"
	else
		dir=$OUT/sparse
		copy_module "$dir"
		make -C "$STOCK" M="$dir/kmod" C=2 CF="-D__CHECK_ENDIAN__" modules >"$OUT/sparse.log" 2>&1
		rc=$?
		res=$(grep -vE "$kbuild_noise" "$OUT/sparse.log" | sed "s|$dir/||g")
		if [ "$rc" -eq 0 ] && [ -z "$res" ]; then
			gate_ok sparse "$(grep -c '^  CHECK ' "$OUT/sparse.log") files checked"
		else
			gate_fail sparse "$res" "make exit $rc, $(grep -cE ': (warning|error):' <<<"$res") sparse messages"
		fi
	fi
fi

# ---------------------------------------------------------------- kernel-doc
# Non-static function definitions of a C file, as "file:line name": kernel
# style puts a definition's opening brace alone in column 0. VISIBLE_IF_KUNIT
# functions count as non-static (they are, in a KUnit kernel).
list_functions() {
	perl -e '
		for my $f (@ARGV) {
			open(my $fh, "<", $f) or die "$f: $!";
			my @l = <$fh>;
			close($fh);
			for my $i (1 .. $#l) {
				next unless $l[$i] =~ /^\{\s*$/;
				my $j = $i - 1;
				$j-- while ($j > 0 && $l[$j] =~ /^\s/);
				$j-- while ($j > 0 && $l[$j - 1] =~ /^[A-Za-z_]/ &&
					    $l[$j - 1] !~ /[;{}),]\s*$/);
				my $sig = join("", @l[$j .. $i - 1]);
				next unless $sig =~ /(\w+)\s*\(/;
				my $name = $1;
				next if ($sig =~ /^\s*static\b/ && $sig !~ /\bVISIBLE_IF_KUNIT\b/);
				printf("%s:%d %s\n", $f, $j + 1, $name);
			}
		}' "$@"
}

if want kernel-doc; then
	if [ -z "$TREE" ] || [ ! -x "$TREE/scripts/kernel-doc" ]; then
		gate_fail kernel-doc "no kernel tree with scripts/kernel-doc (tools/testing/kernel/build-debug.sh)"
	else
		kd=$TREE/scripts/kernel-doc
		# shellcheck disable=SC2086
		"$kd" -none -v $KMOD_C $KMOD_H uapi/linux/sockobj.h userlib/sockobj.h \
			>"$OUT/kernel-doc.log" 2>&1
		res=$(grep -vE ': info: |^[0-9]+ (warnings|errors)$' "$OUT/kernel-doc.log")
		documented=$(sed -n 's/.*: info: Scanning doc for function \([A-Za-z0-9_]*\).*/\1/p' \
			"$OUT/kernel-doc.log" | sort -u)
		nfun=0
		# shellcheck disable=SC2086
		while read -r where name; do
			nfun=$((nfun + 1))
			grep -qx "$name" <<<"$documented" ||
				res+=$'\n'"$where: non-static function '$name' has no kernel-doc comment"
		done < <(list_functions $KMOD_C)

		# userlib/sockobj.h documents its API in man pages, one per
		# function (.so links allowed); the NAME line must name it.
		nlib=0
		while read -r fn; do
			nlib=$((nlib + 1))
			grep -qx "$fn" <<<"$documented" && continue
			page=userlib/man/$fn.3
			if [ ! -f "$page" ]; then
				res+=$'\n'"userlib/sockobj.h: '$fn' has neither kernel-doc nor a man page ($page)"
				continue
			fi
			target=$(sed -n 's|^\.so  *man3/\(.*\)$|userlib/man/\1|p' "$page")
			[ -n "$target" ] || target=$page
			if [ ! -f "$target" ] || ! sed -n '/^\.SH NAME/,/^\.SH/p' "$target" |
				grep -qw -- "$fn"; then
				res+=$'\n'"$page: the NAME section of ${target#userlib/man/} does not name $fn"
			fi
		done < <(sed -n 's/^[a-z].*[ *]\(sockobj_[a-z0-9_]*\)(.*/\1/p' userlib/sockobj.h | sort -u)
		res=$(sed '/^$/d' <<<"$res")
		if [ -z "$res" ]; then
			gate_ok kernel-doc "$nfun non-static kmod functions documented, $nlib userlib functions with a man page"
		else
			gate_fail kernel-doc "$res" "$(grep -c . <<<"$res") findings"
		fi
	fi
fi

# ------------------------------------------------------------------ uapi-c90
if want uapi-c90; then
	dir=$OUT/uapi
	mkdir -p "$dir"
	printf '%s\n' '#include <linux/sockobj.h>' '#include <linux/sockobj.h>' \
		'int sockobj_uapi_c90_check(void);' >"$dir/c90.c"
	printf '%s\n' '#include <linux/sockobj.h>' '#include <linux/sockobj.h>' >"$dir/cxx.cc"
	res=$(gcc -std=c90 -pedantic -Wall -Werror -fsyntax-only -Iuapi "$dir/c90.c" 2>&1 &&
		g++ -pedantic -Wall -Werror -fsyntax-only -Iuapi "$dir/cxx.cc" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$res" ]; then
		gate_ok uapi-c90 "C90 twice, C++"
	else
		gate_fail uapi-c90 "$res"
	fi
fi

# ------------------------------------------------------------------------ w1
if want w1; then
	if [ -z "$STOCK" ]; then
		gate_fail w1 "no stock kernel headers (tools/testing/deps.sh)"
	else
		dir=$OUT/w1
		copy_module "$dir"
		make -C "$STOCK" M="$dir/kmod" W=1 \
			KCFLAGS="-ftrivial-auto-var-init=uninitialized -Wmaybe-uninitialized" \
			modules >"$OUT/w1.log" 2>&1
		rc=$?
		res=$(grep -vE "$kbuild_noise" "$OUT/w1.log" | sed "s|$dir/||g")
		if [ "$rc" -eq 0 ] && [ -z "$res" ] && [ -f "$dir/kmod/sockobj.ko" ]; then
			gate_ok w1 "$(grep -c '^  CC \[M\]' "$OUT/w1.log") objects"
		else
			gate_fail w1 "$res" "make exit $rc"
		fi
	fi
fi

# --------------------------------------------------------------------- shell
# Findings allowed, as "file:line:code" and why. Each is in a file whose
# content must not change for now: build-debug.sh keys the debug kernel
# cache on its own text (editing it rebuilds the kernel).
SHELLCHECK_EXCEPT="
tools/testing/kernel/build-debug.sh:84:SC2015	die when either test fails: as intended
"

# The repository's scripts of one language (sh or python), one per line.
list_scripts() {
	local lang=$1 f first
	{
		if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
			git ls-files
		else
			find . \( -path ./build -o -path ./.git \) -prune -o -type f -print |
				sed 's|^\./||'
		fi
	} | while read -r f; do
		[ -f "$f" ] || continue
		case $lang:$f in
		sh:*.sh | python:*.py) echo "$f"; continue ;;
		esac
		IFS= read -r first <"$f" 2>/dev/null || continue
		case $lang:$first in
		sh:'#!'*/sh | sh:'#!'*/bash | sh:'#!'*' sh' | sh:'#!'*' bash' | \
		sh:'#!'*/sh' '* | sh:'#!'*/bash' '*) echo "$f" ;;
		python:'#!'*python*) echo "$f" ;;
		esac
	done | sort -u
}

if want shell || want python; then
	if ! command -v shellcheck >/dev/null || ! command -v pyflakes3 >/dev/null; then
		tools/testing/deps.sh >&2 || true
	fi
fi

if want shell; then
	if ! command -v shellcheck >/dev/null; then
		gate_fail shell "shellcheck is not installed (tools/testing/deps.sh)"
	else
		mapfile -t scripts < <(list_scripts sh)
		allowed=$(sed -n 's/^\([^[:space:]]*\).*/\1/p' <<<"$SHELLCHECK_EXCEPT")
		res=$(shellcheck -f gcc "${scripts[@]}" 2>&1 | while IFS= read -r l; do
			key=$(sed -nE 's/^([^:]+:[0-9]+):[0-9]+: .*\[(SC[0-9]+)\]$/\1:\2/p' <<<"$l")
			[ -n "$key" ] && grep -qxF "$key" <<<"$allowed" && continue
			printf '%s\n' "$l"
		done)
		if [ -z "$res" ]; then
			gate_ok shell "${#scripts[@]} scripts, shellcheck"
		else
			gate_fail shell "$res" "$(grep -c . <<<"$res") findings"
		fi
	fi
fi

# -------------------------------------------------------------------- python
if want python; then
	if ! command -v pyflakes3 >/dev/null; then
		gate_fail python "pyflakes3 is not installed (tools/testing/deps.sh)"
	else
		mapfile -t scripts < <(list_scripts python)
		res=$(pyflakes3 "${scripts[@]}" 2>&1)
		if [ -z "$res" ]; then
			gate_ok python "${#scripts[@]} scripts, pyflakes3"
		else
			gate_fail python "$res" "$(grep -c . <<<"$res") findings"
		fi
	fi
fi

echo "$PROG: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
