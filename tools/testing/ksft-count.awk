#!/usr/bin/awk -f
# Count the results of a kselftest run from the TAP the kernel's runner
# (run_kselftest.sh, kselftest/runner.sh) printed:
#
#   awk -f tools/testing/ksft-count.awk [-v name=selftests] RUNNER.tap
#
# The runner prints one TAP line per program ("ok N selftests: COLLECTION:
# PROG", "... # SKIP", "not ok N ... # TIMEOUT S seconds" or "# exit=RC")
# with the program's own TAP before it, each line prefixed with "# ". The
# count is of test cases, the programs' "ok", "not ok" and "ok ... # SKIP"
# lines; a program skipped as a whole ("1..0 # SKIP <reason>") counts as
# one skipped. A program that the runner reports failed without a failing
# case (timeout, crash, exit status), that printed no plan, or fewer cases
# than it planned, or passed cases yet exited KSFT_SKIP, counts as one more
# failure; so does each program of the runner's plan it never reported.
#
# Prints a line per program, the failed cases and programs, and last
# "<name>: N passed, N failed, N skipped"; exit status 1 when something
# failed.

function reset_prog() {
	pass = 0; fail = 0; skip = 0; plan = -1; why = ""; nfailed = 0
}

function result(line, top,    rest, num, desc, dir) {
	# "[not ]ok N [description][ # DIRECTIVE]" -> kind: pass, fail, skip
	rest = line
	kind = (rest ~ /^not ok /) ? "fail" : "pass"
	sub(/^(not )?ok [0-9]+ ?/, "", rest)
	desc = rest
	dir = ""
	if (match(rest, / # /) || rest ~ /^# /) {
		if (rest ~ /^# /) {
			desc = ""
			dir = substr(rest, 3)
		} else {
			desc = substr(rest, 1, RSTART - 1)
			dir = substr(rest, RSTART + 3)
		}
	}
	if (kind == "pass" && toupper(dir) ~ /^SKIP/)
		kind = "skip"
	rdesc = desc
	rdir = dir
	return kind
}

BEGIN {
	if (name == "")
		name = "selftests"
	total_pass = 0; total_fail = 0; total_skip = 0
	top_plan = -1; top_seen = 0; prog = ""
	reset_prog()
}

# The runner's own lines
/^1\.\.[0-9]+/ {
	if (top_plan < 0) {
		top_plan = $0
		sub(/^1\.\./, "", top_plan)
		top_plan += 0
	}
	next
}

/^# selftests: / {
	prog = $0
	sub(/^# selftests: [^:]*: /, "", prog)
	reset_prog()
	next
}

/^(not )?ok [0-9]+ / {
	k = result($0)
	top_seen++
	p = rdesc
	sub(/^selftests: [^:]*: /, "", p)
	problem = ""
	if (k == "fail" && fail == 0)
		problem = "the runner reports it failed" (rdir != "" ? " (" rdir ")" : "") \
			", without a failing test case"
	else if (plan < 0)
		problem = "printed no TAP plan"
	else if (pass + fail + skip < plan)
		problem = "reported " (pass + fail + skip) " of " plan " test cases"
	else if (k == "skip" && pass > 0)
		problem = "exited KSFT_SKIP with passing test cases"
	if (plan == 0 && k == "skip" && problem == "")
		skip++
	if (problem != "") {
		fail++
		failed_progs = failed_progs " " p
		print "# " p ": FAILED: " problem
	} else if (fail > 0) {
		failed_progs = failed_progs " " p
	}
	print "# " p ": " pass " passed, " fail " failed, " skip " skipped" \
		(why != "" ? " (" why ")" : "")
	for (i = 1; i <= nfailed; i++)
		print "# " p ": failed: " failed_case[i]
	total_pass += pass; total_fail += fail; total_skip += skip
	reset_prog()
	prog = ""
	next
}

# A program's own TAP, one "# " deep
/^# 1\.\.[0-9]+/ {
	if (plan < 0) {
		line = substr($0, 3)
		plan = line
		sub(/^1\.\./, "", plan)
		sub(/[^0-9].*/, "", plan)
		plan += 0
		if (plan == 0 && match(line, /# SKIP/))
			why = substr(line, RSTART + 2)
	}
	next
}

/^# (not )?ok [0-9]+/ {
	k = result(substr($0, 3))
	if (k == "pass")
		pass++
	else if (k == "skip")
		skip++
	else {
		fail++
		failed_case[++nfailed] = rdesc
	}
	next
}

END {
	if (top_plan < 0) {
		print "# no TAP plan from the runner"
		total_fail++
	} else if (top_seen < top_plan) {
		print "# the runner reported " top_seen " of the " top_plan " programs of its plan" \
			(prog != "" ? "; it stopped in " prog : "")
		total_fail += top_plan - top_seen
	}
	if (failed_progs != "")
		print "# failing programs:" failed_progs
	print name ": " total_pass " passed, " total_fail " failed, " total_skip " skipped"
	exit total_fail > 0
}
