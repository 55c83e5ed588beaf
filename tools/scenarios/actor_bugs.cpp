// Actors under the checker: message passing removes data races, not atomicity bugs. A
// check-then-act spread over two asks is still a race between the asks; the fix puts the
// check and the act in one message, which the account handles as one step. And a bank
// whose transfers are messages between accounts, small enough to search exhaustively.
#include <variant>

#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;

struct Deposit {
  int amount;
};
struct Withdraw {  // debits unconditionally: the caller checked the balance before
  int amount;
};
struct WithdrawIfCovered {  // checks and debits in one step; replies whether it did
  int amount;
};
struct Balance {};

struct Account {
  using Message = std::variant<Deposit, weft::Ask<Withdraw, int>, weft::Ask<WithdrawIfCovered, bool>,
                               weft::Ask<Balance, int>>;
  int balance;
  explicit Account(int initial) : balance(initial) {}
  void handle(Deposit d) { balance += d.amount; }
  void handle(weft::Ask<Withdraw, int> ask) {
    balance -= ask->amount;
    ask.reply(balance);
  }
  void handle(weft::Ask<WithdrawIfCovered, bool> ask) {
    const bool covered = balance >= ask->amount;
    if (covered) balance -= ask->amount;
    ask.reply(covered);
  }
  void handle(weft::Ask<Balance, int> ask) { ask.reply(balance); }
};

using AccountRef = weft::ActorRef<Account::Message>;

// Two transfers of 60 from an account holding 100; the books must balance and the
// account must not be overdrawn.
template <class Transfer>
void two_transfers(Transfer transfer) {
  AccountRef from = weft::spawn_actor<Account>(weft::ActorOptions{.name = "checking"}, 100);
  AccountRef to = weft::spawn_actor<Account>(weft::ActorOptions{.name = "savings"}, 0);
  auto first = weft::spawn([&] { transfer(from, to); }, {.name = "transfer-1"});
  auto second = weft::spawn([&] { transfer(from, to); }, {.name = "transfer-2"});
  first.join();
  second.join();
  const int left = from.ask(Balance{}, 1s).get();
  const int saved = to.ask(Balance{}, 1s).get();
  from.stop();
  to.stop();
  (void)from.wait();
  (void)to.wait();
  WEFT_ASSERT(left >= 0);
  WEFT_ASSERT(left + saved == 100);
}

}  // namespace

WEFT_SCENARIO_MUST_FAIL(actor_overdraft, "a transfer asks for the balance, then asks to withdraw: two transfers both pass the check") {
  two_transfers([](const AccountRef& from, const AccountRef& to) {
    if (from.ask(Balance{}, 1s).get() < 60) return;
    (void)from.ask(Withdraw{60}, 1s).get();
    (void)to.tell(Deposit{60});
  });
}

WEFT_SCENARIO(actor_overdraft_fixed, "the account checks the balance and debits in one message") {
  two_transfers([](const AccountRef& from, const AccountRef& to) {
    if (!from.ask(WithdrawIfCovered{60}, 1s).get()) return;
    (void)to.tell(Deposit{60});
  });
}

// --- transfers as messages between accounts: correct by construction -------------------
// The account that pays checks, debits and sends the deposit while handling one message;
// nobody else touches its balance. Each account reports its final balance when it ends.

namespace {

struct Pay {
  weft::ActorAddress to;   // an account
  int amount;
};
struct Credit {
  int amount;
};

struct Ledger {
  using Message = std::variant<Pay, Credit>;
  int balance;
  int* final_balance;
  Ledger(int initial, int* report) : balance(initial), final_balance(report) {}
  ~Ledger() { *final_balance = balance; }
  void handle(Pay p) {
    if (balance < p.amount) return;
    balance -= p.amount;
    (void)weft::ActorRef<Message>::from(p.to)->tell(Credit{p.amount});
  }
  void handle(Credit c) { balance += c.amount; }
};

}  // namespace

WEFT_SCENARIO(actor_bank_transfer, "two transfers of 60 out of 100, each one message to the paying account") {
  int checking_final = -1, savings_final = -1;
  auto checking = weft::spawn_actor<Ledger>(weft::ActorOptions{.name = "checking"}, 100, &checking_final);
  auto savings = weft::spawn_actor<Ledger>(weft::ActorOptions{.name = "savings"}, 0, &savings_final);
  auto first = weft::spawn([&] { (void)checking.tell(Pay{savings, 60}); }, {.name = "transfer-1"});
  auto second = weft::spawn([&] { (void)checking.tell(Pay{savings, 60}); }, {.name = "transfer-2"});
  first.join();
  second.join();
  // The payer stops after both payments (their credits are sent by then), then the payee.
  checking.stop();
  (void)checking.wait();
  savings.stop();
  (void)savings.wait();
  WEFT_ASSERT(checking_final == 40);
  WEFT_ASSERT(savings_final == 60);
}
