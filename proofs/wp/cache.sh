#!/usr/bin/env bash
# cache.sh MODE DIR FILE OUT: after a WP run (prove.sh) that used the
# prover-result cache in DIR, write OUT/cache-summary.txt (how many prover
# results came from the cache and how many were computed in this run) and:
#   update:  rewrite FILE (the committed cache) from DIR, keeping the
#            entries this run read or wrote and nothing else;
#   replay:  leave FILE alone;
#   rebuild: compare DIR (every result fresh) with FILE, list in
#            OUT/cache-diff.txt each key whose verdict differs, then
#            rewrite FILE from DIR (the fresh results replace the cache).
# FILE holds one line per entry, sorted: the key, a space, WP's JSON.
set -euo pipefail
mode=$1 dir=$2 file=$3 out=$4

# WP prints "[wp] [Cache] found:N, updated:M" (or missed:M in replay) once
# per stage; sum them.
read -r found fresh < <(grep -hoE '^\[wp\] \[Cache\] .*' "$out/wp.log" |
    grep -oE '(found|updated|missed):[0-9]+' |
    awk -F: '$1 == "found" { f += $2 } $1 != "found" { m += $2 } END { print f + 0, m + 0 }')
printf 'prover results: %d replayed from the cache, %d computed in this run (cache mode %s)\n' \
    "$found" "$fresh" "$mode" > "$out/cache-summary.txt"

# Entries of DIR, "key json", sorted; with -used only those this run read
# (access time moved past the start mark) or wrote.
entries() {
    local sel=()
    [ "${1:-}" = -used ] && sel=( '(' -anewer "$out/cache.start" -o -newer "$out/cache.start" ')' )
    find "$dir" -name '*.json' "${sel[@]}" -exec awk '
        FNR == 1 { k = FILENAME; sub(/.*\//, "", k); sub(/\.json$/, "", k) }
        { printf "%s %s\n", k, $0 }' {} + | LC_ALL=C sort
}

case "$mode" in
update)
    entries -used > "$out/cache.used"
    # Where access times are not recorded (a noatime mount) nothing read
    # shows up as used: keep every entry rather than drop the ones read.
    if [ "$found" -gt 0 ] && [ "$(wc -l < "$out/cache.used")" -lt "$found" ]; then
        echo "cache: access times not recorded here; keeping every entry" >&2
        entries > "$file"
    else
        cp "$out/cache.used" "$file"
    fi
    ;;
rebuild)
    entries > "$out/cache.fresh"
    verdict() { sed -E 's/^([0-9a-f]+) .*"prover": "([^"]*)".*"verdict": "([^"]*)".*/\1 \2 \3/' "$1"; }
    if [ -f "$file" ]; then
        LC_ALL=C join <(verdict "$file") <(verdict "$out/cache.fresh") |
            awk '$3 != $5 { print $1, $2 ": cache " $3 ", fresh " $5 }' > "$out/cache-diff.txt"
    else
        : > "$out/cache-diff.txt"
    fi
    echo "fresh results that differ from the committed cache: $(wc -l < "$out/cache-diff.txt") (build/prove/cache-diff.txt)" \
        >> "$out/cache-summary.txt"
    cp "$out/cache.fresh" "$file"
    ;;
esac
