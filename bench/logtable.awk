# logtable.awk reads the lines of log.sh's rounds:
#   round=R /KIND/writers=W/record=S-P N ns/op X MB/s C commits/s A p50-µs B p99-µs D p99.9-µs T peak-threads
# and prints, per configuration, the medians over rounds and the ratios.
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
function spread(list,    n, a, i, lo, hi) {
	n = split(list, a, " "); lo = hi = a[1]
	for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
	return sprintf("%.2f–%.2f", lo, hi)
}
{
	split($1, r, "="); round = r[2]
	split($2, p, "/"); kind = p[2]; w = p[3]; sub(/writers=/, "", w); s = p[4]; sub(/record=/, "", s); sub(/-[0-9]+$/, "", s)
	key = w " " s
	for (i = 3; i < NF; i++) v[$(i+1)] = $i
	c[key, kind, round] = v["commits/s"]; p99[key, kind, round] = v["p99-µs"]
	mb[key, kind] = mb[key, kind] " " v["MB/s"]
	cl[key, kind] = cl[key, kind] " " v["commits/s"]
	pl[key, kind] = pl[key, kind] " " v["p50-µs"]; ql[key, kind] = ql[key, kind] " " v["p99-µs"]
	zl[key, kind] = zl[key, kind] " " v["p99.9-µs"]; tl[key, kind] = tl[key, kind] " " v["peak-threads"]
	rounds[round] = 1
	if (!(key in seen)) { seen[key] = 1; keys[++nk] = key }
}
END {
	printf "%-8s %-7s %-12s %10s %8s %8s %8s %9s %7s   %-20s %-20s\n", "writers", "record", "log", "commits/s", "MB/s", "p50 µs", "p99 µs", "p99.9 µs", "threads", "commits/s aio/gc", "p99 aio/gc"
	for (k = 1; k <= nk; k++) {
		key = keys[k]; split(key, ws, " ")
		rc = ""; rp = ""
		for (round in rounds) {
			if (c[key, "groupcommit", round] > 0) rc = rc " " c[key, "aio", round] / c[key, "groupcommit", round]
			if (p99[key, "groupcommit", round] > 0) rp = rp " " p99[key, "aio", round] / p99[key, "groupcommit", round]
		}
		for (j = 1; j <= 2; j++) {
			kind = j == 1 ? "aio" : "groupcommit"
			ratios = j == 1 ? sprintf("%.2f× (%s)", median(rc), spread(rc)) : ""
			ratiop = j == 1 ? sprintf("%.2f× (%s)", median(rp), spread(rp)) : ""
			printf "%-8s %-7s %-12s %10.0f %8.1f %8.0f %8.0f %9.0f %7.0f   %-20s %-20s\n", ws[1], ws[2], kind, median(cl[key, kind]), median(mb[key, kind]), median(pl[key, kind]), median(ql[key, kind]), median(zl[key, kind]), median(tl[key, kind]), ratios, ratiop
		}
	}
}
