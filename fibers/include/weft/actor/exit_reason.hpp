// Why an actor ended, and the errors of the actor API.
#pragma once

#include <exception>
#include <string>

#include "weft/errors.hpp"

namespace weft {

// Why an actor exited. Four kinds, as in Erlang:
//   normal    its behaviour returned, or it was stopped with stop(); not a crash
//   shutdown  its supervisor (or anyone) asked it to end with exit(shutdown()); not a
//             crash either, but it does end linked actors that do not trap exits
//   killed    ended from outside with exit(killed()), which it cannot trap
//   error     it crashed: an exception escaped a handler (exception() holds it), or it
//             called exit() with an error reason of its own
class ExitReason {
 public:
  enum class Kind { normal, shutdown, killed, error };

  static ExitReason normal() noexcept { return ExitReason(Kind::normal, {}, nullptr); }
  static ExitReason shutdown() noexcept { return ExitReason(Kind::shutdown, {}, nullptr); }
  static ExitReason killed() noexcept { return ExitReason(Kind::killed, {}, nullptr); }
  // A crash with this exception (the `what` of std::exception types is the description).
  static ExitReason error(std::exception_ptr exception);
  // A crash described by `what`, without an exception.
  static ExitReason error(std::string what) {
    return ExitReason(Kind::error, std::move(what), nullptr);
  }

  Kind kind() const noexcept { return kind_; }
  // normal and shutdown: the actor did not crash (supervisors do not restart transient
  // children that ended so).
  bool is_clean() const noexcept { return kind_ == Kind::normal || kind_ == Kind::shutdown; }
  bool is_normal() const noexcept { return kind_ == Kind::normal; }
  // The exception of a crash, or null.
  const std::exception_ptr& exception() const noexcept { return exception_; }
  // "normal", "shutdown", "killed", or the crash's description.
  const std::string& describe() const noexcept;

  friend bool operator==(const ExitReason& a, const ExitReason& b) noexcept {
    return a.kind_ == b.kind_ && a.what_ == b.what_;
  }

 private:
  ExitReason(Kind kind, std::string what, std::exception_ptr exception)
      : kind_(kind), what_(std::move(what)), exception_(std::move(exception)) {}
  Kind kind_;
  std::string what_;  // an error's description (the other kinds have fixed ones)
  std::exception_ptr exception_;
};

// An ask's future holds this when the actor exited before it replied (or was already
// dead when asked).
class ActorExited : public Error {
 public:
  ActorExited(const std::string& actor, const ExitReason& reason)
      : Error("weft actor '" + actor + "' exited (" + reason.describe() +
              ") before it replied"),
        reason_(reason) {}
  const ExitReason& reason() const noexcept { return reason_; }

 private:
  ExitReason reason_;
};

// An ask's future holds this when no reply came within the ask's timeout.
class AskTimeout : public Error {
 public:
  explicit AskTimeout(const std::string& actor)
      : Error("weft actor '" + actor + "' did not reply within the ask's timeout") {}
};

// An ask's future holds this when the actor dropped the request without replying.
class NoReply : public Error {
 public:
  explicit NoReply(const std::string& actor)
      : Error("weft actor '" + actor + "' dropped an ask without replying") {}
};

// Thrown by tell() to a full mailbox whose overflow policy is Overflow::fail.
class MailboxFull : public Error {
 public:
  explicit MailboxFull(const std::string& actor)
      : Error("weft actor '" + actor + "': mailbox full") {}
};

}  // namespace weft
