#!/usr/bin/env bash
# Frama-C WP over the verified sources, with RTE guards and unsigned-overflow
# checks, then one line per named property clause, keyed by where it is
# stated (file and function, or the lemma's or predicate's file), never by
# line, so that moving code changes no line of the report:
#   <ID> proven <file> <function>
#   <ID> PARTIAL <file> <function> (its own goals proven, resting on ones that are not)
#   <ID> UNPROVEN <file> <function> (<status>)
# and a summary "properties: P proven, Q partially proven, U unproven".
# Exits non-zero if any named clause has a goal not proven, or if any goal
# WP attempted (RTE guard,
# assertion, assigns, unnamed clause, a callee's precondition at a call) is
# not proven, unless that goal is listed, with the reason, in
# proofs/wp/known-unproven.txt; those are printed as "KNOWN-UNPROVEN" and
# end up in the ledger. Two stages, see $frame_heavy below.
#
# Prover results are cached in proofs/wp/cache.txt (committed; one line per
# prover result: the key WP computes from the goal's formula, the prover and
# its timeout, then WP's JSON verdict). The key does not contain a file name
# or a line, so moved code is still a hit; a changed goal has another key
# and goes to the provers. Failed attempts (timeouts) are cached too: the
# goals known-unproven.txt accepts would otherwise cost their timeout on
# every run. SQ_WP_CACHE chooses how the cache is used:
#   update  (make prove, the default): cached results are taken, the rest
#           proven, and proofs/wp/cache.txt rewritten with exactly the
#           results this run used (entries of goals that no longer exist go);
#   replay  (make check): the same, but proofs/wp/cache.txt is not written;
#   rebuild (make prove-all): every goal proven afresh from an empty cache;
#           then every result that differs from the committed cache's for
#           the same key is listed (build/prove/cache-diff.txt), and the
#           fresh results replace the cache (git diff shows what moved).
#
# Named clauses are those labelled with a property ID (RB01, TO04, P03,
# NLW01, ...) or FIFO. The unsigned-overflow guards that
# -warn-unsigned-overflow adds are reported per function under the
# "no overflow" property of their object: RB08 (rings), TO05 (tick and
# timeouts), SC08 (scheduler and threads), P09 (semaphore), TM08 (timers),
# SL05 (memory slabs), WQ05 (work queues),
# MQ08 (message queues).
#
# What a change costs. A goal's cache key is the digest of the whole text
# WP sends the prover, and that text carries, besides what the goal uses,
# every lemma stated outside an axiomatic that declares a logic symbol
# (WP's "proof context"), with the records and field offsets those lemmas
# read. Six such lemmas exist today (ring_core.h: sq_mul_mono,
# sq_mul_split, sq_ring_free_outside; mem_domain_rules.h:
# sq_stacks_same_trans, sq_off_stack_kept; shared_stream.c:
# sq_grant_in_kept); they read struct sq_kernel, struct sq_armed_timeout,
# sq_thread_t's stack and stack_size, struct sq_ring_core and the memory
# domain's records. So a field inserted before those fields, any change to
# struct sq_kernel, or a new struct type in an existing verified header
# changes every goal's key (a full re-proof: about two hours on two
# cores), while a field appended at the end of sq_thread_t changes only
# the goals that read a thread, and a new source appended at the end of
# $sources changes none. Put a new lemma inside an axiomatic together
# with the predicate or function it is about (an axiomatic of lemmas
# alone is proof context too). Wrapping the six lemmas that way costs one
# full re-proof and makes every later struct change cost only the goals
# that read the struct: do it in the same run as the next change that
# forces a full re-proof anyway.
#
# The kernel functions in $skipped are not given to WP: they call through
# function pointers (thread entry, expiry functions, registered
# callbacks, the init hook of the layer above: sq_kernel_init, whose reset
# is the proven sq_kernel_reset), convert a timeout node back to its timer, or hand control to
# the port for good. Each is listed as "SKIPPED" in the report; the kernel
# and callback-table suites test them. The kernel-call path is skipped too:
# sq_syscall and the user-side calls (sq_user_*, sq_stream_*_wait and
# _notify, stream_call) enter the kernel through sq_port_syscall, which
# runs any call and so has no contract; the kernel side of a stream wait
# or notify (sq_shared_stream_sys_*) blocks on the stream's event across an
# unlock. Their decisions are proven in stream_for_call_locked and
# stream_ready (stream_for_call is their locking wrapper);
# tests/test_shared_stream.c runs them.
#
# The P3 built-ins (src/p3/stream.c, waitable.c, error_context.c: the
# second to fourth $skipped lines; the fourth has the wake-ups on a new
# event or a trap, which scan the runtime's pools, and how each built-in
# ends) are not given to WP: they lock, look
# handles up, block in kernel objects, take objects from the runtime's
# pools (src/p3/runtime.c, whose byte-stride pointer casts WP's typed model
# does not follow) and call the guest's realloc through a pointer. Their
# contracts (what they return, traps kept, result words and indices:
# p3_rules.h) are stated and reported "not checked"; the P3 suites check
# them, the trace test above all. Their decisions are
# proven in the pure functions they call: the rendezvous and zero-length
# table, result words, the state after delivery, cancel outcomes and
# refusals (ST01-ST04), the copy span and the event stores (ST01, WS03),
# sync refusal and join room (WS01, WS02); tests/test_p3_*.c run the
# built-ins. Handle tables (HT01-HT04) and the instance's entry checks
# and guest ranges (IN01) are proven whole. Host stream ends (sq_p3_host_stream_*, in
# stream.c) likewise: what a ring offers, the notify's rendezvous and the
# ring move are proven (HS01, HS02), the functions that lock and call the
# driver are skipped; tests/test_p3_host_stream.c runs them. The RFC #46
# facade (src/p3/rfc46.c) likewise: its binding table, result unpacking and
# buffer-to-offset conversion are proven (RF01-RF03), and bind, unbind,
# bound and the handler's setter whole; the intrinsics that call the
# built-ins and the embedder's trap handler (through a pointer) are
# skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${SQ_PROVE_OUT:-build/prove}
mkdir -p "$out"
sources=(src/ring/ring_core.c src/ring/ring_buf.c src/ring/typed_ring_buf.c src/kernel/tick.c
         src/kernel/sched.c src/kernel/timeout.c src/kernel/thread.c src/kernel/sem.c
         src/kernel/event.c src/kernel/timer.c src/kernel/poll.c src/tasks/waitable_set.c
         src/tasks/gate.c src/tasks/callback_table.c src/kernel/mem_domain.c src/isolation/mpu.c
         src/isolation/shared_stream.c src/isolation/syscall.c src/p3/handle_table.c
         src/p3/instance.c src/p3/runtime.c src/p3/stream.c src/p3/waitable.c
         src/p3/error_context.c src/p3/rfc46.c src/p3/control.c src/kernel/status.c
         src/p3/task.c src/kernel/irq.c
         src/kernel/mem_slab.c src/kernel/work.c src/kernel/msgq.c)
skipped=sq_kernel_init,sq_kernel_run,sq_kernel_tick,sq_kernel_soft_irq,sq_sched_wait_expired,sq_timer_expired,sq_thread_main,sq_thread_exit,sq_callback_dispatch,sq_callback_run,sq_poll,sq_poll_as_sem,sq_poll_as_event,sq_poll_as_ring,sq_poll_as_typed,sq_poll_as_signal,sq_waitable_set_wait,sq_shared_stream_sys_wait,sq_shared_stream_sys_notify,sq_syscall,sq_user_yield,sq_user_sleep,sq_user_exit,stream_call,sq_stream_writer_wait,sq_stream_reader_wait,sq_stream_writer_notify,sq_stream_reader_notify,stream_for_call
skipped+=,sq_p3_end_event,sq_p3_end_writes,sq_p3_end_finish,sq_p3_host_end,sq_p3_host_ring_offer,sq_p3_move_host,sq_p3_move_guests,sq_p3_same_instance_ok,sq_p3_copy_start,sq_p3_type_usable,sq_p3_channel_setup,sq_p3_channel_new,sq_p3_stream_new,sq_p3_future_new,sq_p3_end_lookup,sq_p3_refuse,sq_p3_end_ready,sq_p3_end_take,sq_p3_copy,sq_p3_stream_read,sq_p3_stream_write,sq_p3_future_read,sq_p3_future_write,sq_p3_cancel,sq_p3_stream_cancel_read,sq_p3_stream_cancel_write,sq_p3_future_cancel_read,sq_p3_future_cancel_write,sq_p3_channel_release,sq_p3_drop,sq_p3_stream_drop_readable,sq_p3_stream_drop_writable,sq_p3_future_drop_readable,sq_p3_future_drop_writable,sq_p3_end_transfer,sq_p3_host_stream_new,sq_p3_host_call,sq_p3_host_stream_notify,sq_p3_host_stream_close,sq_p3_waitable_setup,sq_p3_waitable_has_event,sq_p3_waitable_raise,sq_p3_waitable_consume,sq_p3_waitable_leave_set,sq_p3_handle_free,sq_p3_block_check,sq_p3_block_on,sq_p3_waitable_block,sq_p3_move_wait,sq_p3_move_done,sq_p3_set_lookup,sq_p3_waitable_set_new,sq_p3_member_end,sq_p3_set_moving,sq_p3_set_settle,sq_p3_set_deliver,sq_p3_set_take,sq_p3_waitable_set_wait,sq_p3_waitable_set_poll,sq_p3_waitable_set_drop,sq_p3_waitable_join,rfc46_ok,context0_get,context0_set,waitable_set_new,waitable_join,rfc46_word,rfc46_take,waitable_set_wait,waitable_set_poll,sq_rfc46_stream_new,rfc46_guest_offset,rfc46_copy,sq_rfc46_stream_read,sq_rfc46_stream_write
skipped+=,pool_link,pool_valid,pool_reset,sq_p3_runtime_init,sq_p3_pool_take,sq_p3_pool_index,sq_p3_pool_give,sq_p3_error_context_new,sq_p3_error_context_debug_message,sq_p3_error_context_drop
# The FFI's P3 set-up and getters, skipped for the reasons above: the
# runtime's set-up fills the pools and calls sq_p3_runtime_init (runtime.c);
# the type's init takes sq_p3_type_usable's verdict; the end getters follow
# a handle's object pointer to its end and channel, as sq_p3_end_lookup.
# tests/ffi_smoke.py runs them.
skipped+=,runtime_busy,pool_assign,sq_p3_runtime_setup,sq_p3_type_init,sq_p3_end_read,sq_p3_end_type,sq_p3_end_state,sq_p3_end_pending
skipped+=,sq_p3_wake_first,sq_p3_stop_blocked,sq_p3_leave,sq_p3_settle,error_context_new,error_context_debug_message,error_context_drop
# The control plane's built-ins (src/p3/task.c), skipped for the reasons
# above: they lock, take tasks from the runtime's pool and post them in
# its loop set, go from a subtask's waitable back to its task by offset,
# and run the guest's core functions, callbacks and realloc through
# pointers with the lock released (a stackful task's on a kernel thread
# they start). Every decision they make is a proven
# pure function of src/p3/control.c (CP01-CP08); tests/test_p3_task.c
# runs them. With them: the runtime's task pool set-up and the waitable
# sets' hooks for the callback loop (a set's new event, a loop's take).
skipped+=,tasks_reset,sq_p3_runtime_tasks,sq_p3_runtime_workers,sq_p3_set_raised,sq_p3_wset_settle,sq_p3_wset_take,sq_p3_set_next,sq_p3_waitable_set_wait_cancellable,sq_p3_waitable_set_poll_cancellable
skipped+=,task_id,task_of,sub_task,callee_of,fifo_push,fifo_pop,loop_join,loop_post,entry_of,entry_admit,lock_keeps_out,sub_resolved,lock_release,task_take,task_release_if_done,task_exit,task_trapped,task_resolve,task_start,task_park,sq_p3_loop_set_event,task_continue,task_sync_return,task_run,sq_p3_task_thread,sq_p3_current,export_check,task_setup,sub_insert,call_enter,sq_p3_call,sq_p3_task_return,sq_p3_subtask_deliver,sq_p3_subtask_drop,list_unlink,task_unpark,task_cancel_request,sq_p3_subtask_cancel,sq_p3_task_cancel,sq_p3_thread_yield,sq_p3_backpressure_inc,sq_p3_backpressure_dec,loop_run,sq_p3_loop_step,sq_p3_loop_run,sub_notify,call_wait,is_stackful,worker_free,stackful_main,stackful_spawn,stackful_next,sq_p3_cancel_point,sq_p3_tasks_stop
# The message queue's put and get (src/kernel/msgq.c) block across an
# unlock: a woken thread completes its call in a second critical section
# with the message or slot its waker kept for it, which WP cannot follow
# across the switch. Their critical sections are proven
# (sq_msgq_put_locked, _get_locked, _put_kept_locked, _get_kept_locked:
# MQ01-MQ06); tests/test_msgq.c runs the waits and hand-overs.
skipped+=,sq_msgq_put,sq_msgq_get
# The functions whose frame goals are accepted in known-unproven.txt (one
# domain or set carried across stores to another object, all in WP's one
# typed memory) are proven in a second stage with a shorter prover timeout:
# their other goals prove in a few seconds, and each goal that times out
# costs the timeout twice (two provers), which at 60 s made these
# functions most of the run. A goal failing there is reported exactly as in
# the first stage (known-unproven or the run fails).
# The work queue's calls (src/kernel/work.c) that lock and then give the
# queue's semaphore, init it, start, restart or stop an item's timer, start
# the worker thread, or run a handler through its pointer (the worker loop,
# the timer's expiry): each decision they take is a proven *_locked function
# or sq_work_refusal (WQ01-WQ06); tests/test_work.c runs them.
skipped+=,sq_work_queue_init,sq_work_worker,sq_work_queue_start,sq_work_submit,sq_work_expired,sq_work_schedule,sq_work_cancel
frame_heavy=sq_p3_insert,sq_mem_domain_allows,sq_mem_domain_remove_locked,sq_thread_end_locked,sq_waitable_join_locked,sq_waitable_leave_locked
timeout=${SQ_WP_TIMEOUT:-60}
cache_mode=${SQ_WP_CACHE:-update}
cache_file=proofs/wp/cache.txt
cache_dir=$out/cache
case "$cache_mode" in update|replay|rebuild) ;; *) echo "prove: SQ_WP_CACHE must be update, replay or rebuild"; exit 2;; esac
frame_timeout=${SQ_WP_FRAME_TIMEOUT:-15}

# The run as a whole is recorded too: proofs/wp/run.key names its inputs
# (the tool and prover versions, this script, every verified source and
# every header they include, as gcc -MM lists them with the macro Frama-C
# defines, byte for byte; a header no verified source includes, such as the
# generated FFI header or the wasm glue's, is not WP's input) and proofs/wp/run.tar.gz keeps what the report
# below reads of its output (wp.csv, and the lines of wp.log that name
# failed goals, cache use and memory-model hypotheses). WP is deterministic
# on the same inputs, so when they are the recorded ones, update and replay
# take the recorded output instead of generating the same goals again
# (about 30 minutes here: WP builds and simplifies each of ~17,000 goals in
# one thread, cached or not). The sources and headers enter the key without
# their plain comments and blank lines (ACSL annotations, /*@ and //@, are
# kept): the report names no line, so a comment-only edit keeps the record.
# Any other change to any input is a miss, and the run goes through WP and
# the goal cache as above. update and rebuild write the record.
run_key_file=proofs/wp/run.key
run_archive=proofs/wp/run.tar.gz
inputs_key() {
    local headers
    headers=$(gcc -MM -D__FRAMAC__ -Iinclude -Isrc "${sources[@]}" | tr ' \\' '\n\n' |
              grep '\.h$' | LC_ALL=C sort -u) || { echo "prove: gcc -MM failed" >&2; return 1; }
    {
        frama-c -version; why3 --version; cvc4 --version | head -n 1; z3 --version
        echo "timeouts $timeout $frame_timeout"
        cat proofs/wp/prove.sh
        for f in "${sources[@]}" $headers; do
            echo "== $f"
            perl -0777 -pe 's{/\*(?!@).*?\*/}{}gs; s{(^|[ \t])//(?!@)[^\n]*}{$1}gm; s{[ \t]+$}{}gm; s{\n+}{\n}g' "$f"
        done
    } | sha256sum | cut -d ' ' -f 1
}

# ILP32 like the Cortex-M targets the library ships on. SQ_PROVE_REPORT_ONLY=1
# skips the run and reports again from the last one's wp.csv and wp.log
# (after an edit of known-unproven.txt, say).
key=$(inputs_key)
if [ "${SQ_PROVE_REPORT_ONLY:-0}" != 1 ] && [ "$cache_mode" != rebuild ] &&
   [ -f "$run_archive" ] && [ "$(cat "$run_key_file" 2>/dev/null)" = "$key" ]; then
    tar -xzf "$run_archive" -C "$out"
    sed -i 's/^prover results: /prover results (of the recorded run of these inputs, taken whole): /' "$out/cache-summary.txt"
elif [ "${SQ_PROVE_REPORT_ONLY:-0}" != 1 ]; then
    rm -rf "$cache_dir"; mkdir -p "$cache_dir"
    if [ "$cache_mode" != rebuild ] && [ -f "$cache_file" ]; then
        # One file per entry, as WP keeps them. Their access and modification
        # times are set far back, so that the entries this run reads are the
        # ones whose access time moves (what `update` keeps).
        awk -v d="$cache_dir" '{ f = d "/" $1 ".json"; sub(/^[^ ]+ /, ""); print > f; close(f) }' "$cache_file"
        find "$cache_dir" -name '*.json' -exec touch -d @1000000000 {} +
    fi
    touch "$out/cache.start"
    frama-c -machdep x86_32 -cpp-extra-args="-Iinclude -Isrc" \
        -warn-unsigned-overflow \
        -wp -wp-rte -wp-split -wp-prover cvc4,z3 -wp-timeout "$timeout" -wp-par "$(nproc)" \
        -wp-cache "$cache_mode" -wp-cache-dir "$cache_dir" \
        -wp-skip-fct "$skipped,$frame_heavy" -wp-report-json "$out/wp-main.json" \
        "${sources[@]}" \
        -then -wp-fct "$frame_heavy" -wp-skip-fct "$skipped" -wp-timeout "$frame_timeout" \
        -wp-report-json "$out/wp-frame.json" \
        -then -report-csv "$out/wp.csv" > "$out/wp.log" 2>&1 || {
        tail -n 30 "$out/wp.log"; echo "prove: frama-c failed (log: $out/wp.log)"; exit 1; }
    proofs/wp/cache.sh "$cache_mode" "$cache_dir" "$cache_file" "$out"
    if [ "$cache_mode" != replay ]; then
        grep -E '^\[wp\] \[(Failed|Timeout|Unknown|Cache)\]|Goal [A-Za-z0-9_]+ : (Unknown|Timeout|Failed)|Memory model hypotheses|goals scheduled|Proved goals' \
            "$out/wp.log" > "$out/wp.log.kept"
        tar -czf "$run_archive" -C "$out" --transform 's/wp.log.kept/wp.log/' \
            --owner=0 --group=0 --mtime=@0 wp.csv wp.log.kept cache-summary.txt
        echo "$key" > "$run_key_file"
    fi
fi

rm -f "$out"/report.txt*
awk -F'\t' -v report="$out/report.txt" '
NR == 1 { next }
# A property text that spans lines (behaviour lists of complete/disjoint
# clauses) continues on lines of its own; its status is on the first line.
NF < 7 { next }
function proven(st) { return st == "Valid" || st ~ /^Valid under/ }
{
    file = $1 "/" $2; sub(/^\.\//, "", file)
    kind = $5; st = $6; prop = $7
    # Frama-C libc specifications the sources do not call are loaded too;
    # only contracts from this repository are listed as assumptions.
    fn = $4 == "" ? "-" : $4
    if (st == "Considered valid") { if (file ~ /^FRAMAC_SHARE/) next; assumed++; print "ASSUMED " file " " fn " " prop > (report ".assumed"); next }
    if (match(prop, /^([A-Z][A-Z]?[A-Z]?[0-9][0-9]|FIFO)(:|$)/)) {
        id = substr(prop, 1, RLENGTH); sub(/:$/, "", id)
        if (proven(st)) { printf "%s proven %s %s\n", id, file, fn > report; np++ }
        # "Partially proven": every goal of the clause itself is proven, and
        # the proof uses properties that are not (a goal that failed, which
        # then must be in known-unproven.txt, or a contract of a function
        # not given to WP). Listed as such; it does not fail the run.
        else if (st == "Partially proven") { printf "%s PARTIAL %s %s (its own goals proven; it rests on properties not proven, listed below)\n", id, file, fn > report; npart++ }
        else { printf "%s UNPROVEN %s %s (%s)\n", id, file, fn, st > report; nu++ }
        next
    }
    ovid = file ~ /ring/ ? "RB08" : file ~ /(tick|timeout)\.c/ ? "TO05" : \
           file ~ /(sched|thread)\.c/ ? "SC08" : file ~ /sem\.c/ ? "P09" : \
           file ~ /timer\.c/ ? "TM08" : file ~ /mem_slab\.c/ ? "SL05" : \
           file ~ /work\.c/ ? "WQ05" : \
           file ~ /msgq\.c/ ? "MQ08" : ""
    if (kind == "unsigned_overflow" && ovid != "") {
        key = file ":" $4
        if (!(key in ovn)) { order[++n_ovl] = key; ovname[key] = ovid }
        ovn[key]++
        # A guard proven on its own goals but resting on a goal that is
        # not (known-unproven.txt) makes the property of its function partial.
        if (st == "Partially proven") ovpart[key]++; else if (!proven(st)) ovbad[key]++
    }
    # A property not proven here was either a goal WP failed (caught from
    # wp.log below) or has call sites only in skipped functions.
    total++; if (!proven(st)) { other_bad++; print "NOT-CHECKED " file " " fn " " kind " (" st ") " prop > (report ".other") }
}
END {
    for (i = 1; i <= n_ovl; i++) {
        key = order[i]; split(key, parts, ":")
        if (ovbad[key] > 0) { printf "%s UNPROVEN %s %s (%d of %d overflow guards)\n", ovname[key], parts[1], parts[2], ovbad[key], ovn[key] > report; nu++ }
        else if (ovpart[key] > 0) { printf "%s PARTIAL %s %s (%d of %d overflow guards rest on properties not proven, listed below)\n", ovname[key], parts[1], parts[2], ovpart[key], ovn[key] > report; npart++ }
        else { printf "%s proven %s %s (%d overflow guards)\n", ovname[key], parts[1], parts[2], ovn[key] > report; np++ }
    }
    printf "properties: %d proven, %d partially proven, %d unproven\n", np, npart, nu > report
    printf "other properties: %d proven, %d not checked everywhere (below); %d assumed contracts\n", total - other_bad, other_bad, assumed > report
    exit (nu > 0) ? 1 : 0
}' "$out/wp.csv" && status=0 || status=$?
# Goal-level verdicts: every goal WP tried and did not prove.
grep -oE '^\[wp\] \[(Failed|Timeout|Unknown)\] Goal [A-Za-z0-9_]+|Goal [A-Za-z0-9_]+ : (Unknown|Timeout|Failed)' "$out/wp.log" |
    sed -E 's/.*Goal ([A-Za-z0-9_]+).*/\1/' | sort -u > "$out/failed-goals"
known=proofs/wp/known-unproven.txt
while read -r goal; do
    reason=$(awk -v g="$goal" '!/^#/ && NF && index(g, $1) == 1 { $1 = ""; print substr($0, 2); exit }' "$known")
    if [ -n "$reason" ]; then
        echo "KNOWN-UNPROVEN $goal: $reason" >> "$out/report.txt.known"
    else
        echo "UNPROVEN-GOAL $goal" >> "$out/report.txt.known"; status=1
    fi
done < "$out/failed-goals"
n_failed=$(wc -l < "$out/failed-goals")
if [ "$cache_mode" = rebuild ]; then
    # Goal by goal: which goals failed afresh and not in the run the committed
    # ledger (and so the cache) records, and the other way round.
    sed -n 's/^KNOWN-UNPROVEN \([A-Za-z0-9_]*\):.*/\1/p' docs/VERIFICATION.md | sort -u > "$out/failed-goals.ledger"
    comm -3 "$out/failed-goals.ledger" "$out/failed-goals" |
        awk -F'\t' '$1 != "" { print "proven afresh, failed in the ledger'"'"'s run: " $1 }
                     $2 != "" { print "failed afresh, proven in the ledger'"'"'s run: " $2 }' \
        > "$out/cache-diff-goals.txt"
    echo "goals whose fresh verdict differs from the ledger's run: $(wc -l < "$out/cache-diff-goals.txt") (build/prove/cache-diff-goals.txt)" \
        > "$out/cache-goals-summary.txt"
fi
echo "goals WP tried and did not prove: $n_failed (each listed below)" >> "$out/report.txt"
[ -f "$out/cache-summary.txt" ] && cat "$out/cache-summary.txt" >> "$out/report.txt"
[ "$cache_mode" = rebuild ] && cat "$out/cache-goals-summary.txt" >> "$out/report.txt"
tr ',' '\n' <<< "$skipped" | sed 's/^/SKIPPED /' > "$out/report.txt.skipped"
# WP's memory-model hypotheses (separations it assumed): listed, not hidden.
grep -c "Memory model hypotheses" "$out/wp.log" | sed 's/^/memory-model hypotheses: /; s/$/ functions (see wp.log)/' >> "$out/report.txt.skipped"
cat "$out/report.txt"
[ -f "$out/report.txt.known" ] && cat "$out/report.txt.known"
[ -f "$out/report.txt.other" ] && cat "$out/report.txt.other"
[ -f "$out/report.txt.assumed" ] && cat "$out/report.txt.assumed"
exit "$status"
