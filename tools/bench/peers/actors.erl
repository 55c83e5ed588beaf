%% actors: the Erlang/OTP peer of weft-bench's actor cases, the same five Savina-style
%% workloads as actors_caf.cpp, with the same sizes, checks and output.
%%
%%   erlc -o DIR actors.erl
%%   erl -noinput +S N:N -pa DIR -run actors main CASE N [quick]
%%
%%   ping_pong         two processes, 1,000,000 round trips, one message in flight
%%   thread_ring       503 processes in a ring pass one token 10,000,000 hops
%%   counting          one producer sends 1,000,000 increments to a counter, then asks
%%                     for its total
%%   fork_join_create  40,000 processes are created, each gets one message, answers, exits
%%   big               120 processes each send 20,000 pings to random others (fixed seed),
%%                     one at a time, each answered with a pong
%%
%% `quick` divides every size by 100. N must be the scheduler count given with +S (checked).
%% Only the workload is timed, not the VM's start. On success it prints one JSON line and
%% halts with 0; on a wrong result or any error it says why on stderr and halts with 1.
%% It halts in every case: an error in a -run function would otherwise leave the VM up.
-module(actors).
-export([main/1]).

main(Args) ->
    try run(Args) of
        ok -> halt(0)
    catch
        throw:{usage, Why} ->
            io:format(standard_error,
                      "actors: ~s~nusage: erl -noinput +S N:N -pa DIR -run actors main CASE N [quick]~n"
                      "cases: ping_pong thread_ring counting fork_join_create big~n", [Why]),
            halt(2);
        Class:Reason:Stack ->
            io:format(standard_error, "actors: ~p:~p~n~p~n", [Class, Reason, Stack]),
            halt(1)
    end.

run([Case, Threads | Rest]) ->
    Scale = case Rest of
                [] -> 1;
                ["quick"] -> 100;
                _ -> throw({usage, "unexpected arguments"})
            end,
    N = list_to_integer(Threads),
    case erlang:system_info(schedulers_online) of
        N -> ok;
        Online -> throw({usage, io_lib:format("~b schedulers online, not ~b: pass +S ~b:~b", [Online, N, N, N])})
    end,
    {Start, End, Ops, Got, Expected} =
        case Case of
            "ping_pong" -> ping_pong(1000000 div Scale);
            "thread_ring" -> thread_ring(503, 10000000 div Scale);
            "counting" -> counting(1000000 div Scale);
            "fork_join_create" -> fork_join_create(40000 div Scale);
            "big" -> big(120, 20000 div Scale);
            _ -> throw({usage, "unknown case " ++ Case})
        end,
    case Got of
        Expected -> ok;
        _ -> error({wrong_result, Case, {got, Got}, {expected, Expected}})
    end,
    Ns = End - Start,
    io:format("{\"case\":\"~s\",\"threads\":~b,\"ns\":~b,\"per_op_ns\":~.1f,\"ops\":~b}~n",
              [Case, N, Ns, Ns / Ops, Ops]),
    ok;
run(_) ->
    throw({usage, "missing arguments"}).

now_ns() -> erlang:monotonic_time(nanosecond).

%% The workload's {done, Value} message to the main process, and when it came. The
%% processes a case leaves behind die with the VM when it halts.
await_done() ->
    receive {done, Value} -> {Value, now_ns()} end.

%% ---- ping_pong ------------------------------------------------------------------------

pong() ->
    receive {ping, From, N} -> From ! {pong, N}, pong() end.

%% Sends ping N, waits for pong N, until Rounds round trips are done.
ping(Pong, N, Rounds, Main) ->
    Pong ! {ping, self(), N},
    receive
        {pong, N} when N < Rounds -> ping(Pong, N + 1, Rounds, Main);
        {pong, N} -> Main ! {done, N}
    end.

ping_pong(Rounds) ->
    Main = self(),
    Start = now_ns(),
    Pong = spawn(fun pong/0),
    spawn(fun() -> ping(Pong, 1, Rounds, Main) end),
    {Trips, End} = await_done(),
    {Start, End, Rounds, Trips, Rounds}.

%% ---- thread_ring ----------------------------------------------------------------------

%% A node learns its neighbour first (a token that came earlier waits in the mailbox).
ring_node(Id, Main) ->
    receive {next, Next} -> ring_loop(Id, Next, Main) end.

%% A token carries the hops still to go; the node that gets it at 0 tells main its id.
ring_loop(Id, Next, Main) ->
    receive
        {token, 0} -> Main ! {done, Id};
        {token, Left} -> Next ! {token, Left - 1}, ring_loop(Id, Next, Main)
    end.

thread_ring(Nodes, Hops) ->
    Main = self(),
    Start = now_ns(),
    Ring = [spawn(fun() -> ring_node(Id, Main) end) || Id <- lists:seq(0, Nodes - 1)],
    [First | _] = Ring,
    lists:foreach(fun({Node, Next}) -> Node ! {next, Next} end,
                  lists:zip(Ring, tl(Ring) ++ [First])),
    First ! {token, Hops},
    {Last, End} = await_done(),
    %% After Hops hops from node 0 the token is at node Hops rem Nodes.
    {Start, End, Hops, Last, Hops rem Nodes}.

%% ---- counting -------------------------------------------------------------------------

counter(Total) ->
    receive
        inc -> counter(Total + 1);
        {query, From} -> From ! {total, Total}
    end.

send_incs(_, 0) -> ok;
send_incs(Counter, N) -> Counter ! inc, send_incs(Counter, N - 1).

%% Sends all its increments at once (the counter's mailbox takes them all), then the query.
producer(Counter, N, Main) ->
    send_incs(Counter, N),
    Counter ! {query, self()},
    receive {total, Total} -> Main ! {done, Total} end.

counting(N) ->
    Main = self(),
    Start = now_ns(),
    Counter = spawn(fun() -> counter(0) end),
    spawn(fun() -> producer(Counter, N, Main) end),
    {Total, End} = await_done(),
    {Start, End, N, Total, N}.

%% ---- fork_join_create -----------------------------------------------------------------

%% The trivial computation each created process does on its one message.
work_on(X) -> (X * 7 + 3) rem 1000.

%% Answers its one message to Collector and exits.
fork_worker(Collector) ->
    receive {work, X} -> Collector ! {result, work_on(X)} end.

%% Adds up the workers' N answers and tells main the sum.
collector(0, Sum, Main) -> Main ! {done, Sum};
collector(Left, Sum, Main) ->
    receive {result, R} -> collector(Left - 1, Sum + R, Main) end.

%% The main process creates the workers and sends each its message.
fork_join_create(N) ->
    Expected = lists:sum([work_on(X) || X <- lists:seq(0, N - 1)]),
    Main = self(),
    Start = now_ns(),
    Collector = spawn(fun() -> collector(N, 0, Main) end),
    spawn_workers(Collector, 0, N),
    {Sum, End} = await_done(),
    {Start, End, N, Sum, Expected}.

spawn_workers(_, N, N) -> ok;
spawn_workers(Collector, X, N) ->
    spawn(fun() -> fork_worker(Collector) end) ! {work, X},
    spawn_workers(Collector, X + 1, N).

%% ---- big ------------------------------------------------------------------------------

-record(node, {id, peers, random, sent = 0, pings, answered = 0, sink}).

%% Pings a random other node, one ping at a time, Pings times; answers every ping with a
%% pong; tells Sink when its own pings are done, and how many it answered when asked.
big_node(Id, Pings, Sink) ->
    Random = rand:seed_s(exsss, {1000 + Id, 7, 11}),   % fixed, one stream per node
    receive
        {peers, Peers} ->
            big_loop(ping_someone(#node{id = Id, peers = Peers, random = Random, pings = Pings, sink = Sink}))
    end.

ping_someone(S = #node{id = Id, peers = Peers, random = Random, sent = Sent}) ->
    {R, Random1} = rand:uniform_s(tuple_size(Peers) - 1, Random),   % 1..Nodes-1
    Other = if R > Id -> R; true -> R - 1 end,                       % a 0-based id, anyone but itself
    element(Other + 1, Peers) ! {ping, self()},
    S#node{random = Random1, sent = Sent + 1}.

big_loop(S = #node{id = Id, sent = Sent, pings = Pings, answered = Answered, sink = Sink}) ->
    receive
        {ping, From} ->
            From ! pong,
            big_loop(S#node{answered = Answered + 1});
        pong when Sent < Pings ->
            big_loop(ping_someone(S));
        pong ->
            Sink ! {finished, Id},
            big_loop(S);
        {report, From} ->
            From ! {answered, Answered}
    end.

%% Starts the nodes, waits until all have done their pings, then collects how many pings
%% each answered (all of them are answered by then) and tells main the sum.
big_sink(Nodes, Pings, Main) ->
    Sink = self(),
    Peers = list_to_tuple([spawn(fun() -> big_node(Id, Pings, Sink) end) || Id <- lists:seq(0, Nodes - 1)]),
    [Node ! {peers, Peers} || Node <- tuple_to_list(Peers)],
    [receive {finished, _} -> ok end || _ <- lists:seq(1, Nodes)],
    [Node ! {report, Sink} || Node <- tuple_to_list(Peers)],
    Main ! {done, lists:sum([receive {answered, A} -> A end || _ <- lists:seq(1, Nodes)])}.

big(Nodes, Pings) ->
    Main = self(),
    Start = now_ns(),
    spawn(fun() -> big_sink(Nodes, Pings, Main) end),
    {Answered, End} = await_done(),
    {Start, End, Nodes * Pings, Answered, Nodes * Pings}.
