//! Calls and casts (GS-3, GS-4): ordering, return values, dead and dying targets, timeouts,
//! calling yourself, and a reply sent after `terminate` (GS-3.7). Every check runs against both the
//! hand-written worker and the `#[actor]` worker (see `support::contract`).

#[macro_use]
mod support;

contract_tests!(tokio::test(start_paused = true);
    calls_and_casts_in_order,
    order_holds_per_sender_among_many,
    call_to_dead_actor_is_noproc,
    call_exits_when_handler_panics,
    call_exits_when_target_killed_mid_call,
    call_exits_when_target_stopped_mid_call,
    call_exits_when_target_panics_mid_call,
    call_times_out_and_late_reply_is_dropped,
    calling_self_is_an_error,
    stop_inside_call_replies_after_terminate,
);

/// The same checks on a multi-threaded runtime, where caller and actor run in parallel (real time:
/// "at once" is shown by the paused runs above).
mod multi_thread {
    contract_tests!(tokio::test(flavor = "multi_thread", worker_threads = 2);
        calls_and_casts_in_order,
        order_holds_per_sender_among_many,
        call_to_dead_actor_is_noproc,
        call_exits_when_handler_panics,
        call_exits_when_target_killed_mid_call,
        call_exits_when_target_stopped_mid_call,
        call_exits_when_target_panics_mid_call,
        calling_self_is_an_error,
        stop_inside_call_replies_after_terminate,
    );
}
