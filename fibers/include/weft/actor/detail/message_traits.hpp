// Compile-time questions about an actor's message type Msg: which types it accepts, and
// what an ask of a request type replies.
#pragma once

#include <string_view>
#include <type_traits>
#include <variant>

namespace weft {

template <class Request, class Reply>
class Ask;

namespace detail {

template <class T>
struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};

// Msg accepts M: M is Msg, or one of Msg's alternatives when Msg is a std::variant.
template <class Msg, class M>
struct accepts : std::is_same<Msg, M> {};
template <class... Ts, class M>
struct accepts<std::variant<Ts...>, M>
    : std::bool_constant<std::is_same_v<std::variant<Ts...>, M> || (std::is_same_v<Ts, M> || ...)> {};
template <class Msg, class M>
inline constexpr bool accepts_v = accepts<Msg, M>::value;

// What tell() takes: an rvalue of a type Msg accepts (messages are moved, never copied).
template <class Msg, class M>
concept Sendable = accepts_v<Msg, std::remove_cvref_t<M>> && !std::is_lvalue_reference_v<M>;

// The Reply of the alternative Ask<Request, Reply> of Msg; `found` says whether there is one.
template <class T, class Request>
struct ask_of {
  static constexpr int count = 0;
  using reply = void;
};
template <class Request, class Reply>
struct ask_of<Ask<Request, Reply>, Request> {
  static constexpr int count = 1;
  using reply = Reply;
};

template <class Msg, class Request>
struct ask_reply {
  static constexpr int count = ask_of<Msg, Request>::count;
  using type = typename ask_of<Msg, Request>::reply;
};
template <class Request, class... Ts>
struct first_ask_reply {
  using type = void;
};
template <class Request, class T, class... Rest>
struct first_ask_reply<Request, T, Rest...> {
  using type = std::conditional_t<ask_of<T, Request>::count == 1, typename ask_of<T, Request>::reply,
                                  typename first_ask_reply<Request, Rest...>::type>;
};
template <class... Ts, class Request>
struct ask_reply<std::variant<Ts...>, Request> {
  static constexpr int count = (ask_of<Ts, Request>::count + ...);
  using type = typename first_ask_reply<Request, Ts...>::type;
};

// T's name without namespaces ("Withdraw"), for the checker's reports.
template <class T>
std::string_view type_name() noexcept {
  std::string_view f = __PRETTY_FUNCTION__;  // "... type_name() [with T = ns::Withdraw; ...]"
  const std::size_t start = f.find("T = ");
  if (start == std::string_view::npos) return "message";
  f.remove_prefix(start + 4);
  f = f.substr(0, f.find_first_of(";]"));
  // Drop namespaces, but not the "::" inside template arguments.
  std::size_t depth = 0, cut = 0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] == '<') ++depth;
    if (f[i] == '>') --depth;
    if (depth == 0 && f[i] == ':' && i + 1 < f.size() && f[i + 1] == ':') cut = i + 2;
  }
  return f.substr(cut);
}

}  // namespace detail
}  // namespace weft
