# Merge the per-suite KTAP documents read from
# /sys/kernel/debug/kunit/*/results (each "KTAP version 1", "1..1", the
# suite as a subtest, "ok 1 <suite>") into one document, numbering the
# suites in order, so that kunit.py parse sees every suite. Lines are kept
# as the kernel printed them; only the top-level header and numbers change.
/^KTAP version [0-9]+$/ { inhdr = 1; next }
inhdr && /^1\.\.[0-9]+$/ { inhdr = 0; next }
{ inhdr = 0 }
/^(not )?ok [0-9]+ / {
	n++
	sub(/ok [0-9]+ /, "ok " n " ")
	body = body $0 "\n"
	next
}
/^[ #]/ { body = body $0 "\n" }
END {
	printf "KTAP version 1\n1..%d\n%s", n, body
}
