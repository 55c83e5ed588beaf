// The letters' free lists (see letter_pool.hpp).
#include "weft/actor/detail/letter_pool.hpp"

#include <array>
#include <new>

#include "weft/sched/macros.hpp"

namespace weft::detail {

namespace {

#if defined(WEFT_ASAN) || defined(WEFT_TSAN)
constexpr bool kPooled = false;
#else
constexpr bool kPooled = true;
#endif

constexpr std::size_t kGranule = 16;
constexpr std::size_t kClasses = 16;       // letters up to 256 bytes are pooled
constexpr std::size_t kKeptPerClass = 4096;  // beyond this, freed letters go back to malloc

struct FreeLetter {
  FreeLetter* next;
};

struct Lists {
  struct List {
    FreeLetter* head = nullptr;
    std::size_t count = 0;
  };
  std::array<List, kClasses> lists{};
  ~Lists();
};

// Letters freed while the thread ends, after its lists are gone, bypass them.
thread_local bool t_lists_gone = false;

Lists::~Lists() {
  t_lists_gone = true;
  for (List& list : lists)
    while (FreeLetter* f = list.head) {
      list.head = f->next;
      ::operator delete(f);
    }
}

thread_local Lists t_lists;

std::size_t class_of(std::size_t bytes) noexcept { return (bytes + kGranule - 1) / kGranule - 1; }

}  // namespace

void* allocate_letter(std::size_t bytes) {
  const std::size_t c = class_of(bytes);
  if (kPooled && c < kClasses && !t_lists_gone) {
    Lists::List& list = t_lists.lists[c];
    if (FreeLetter* f = list.head) {
      list.head = f->next;
      --list.count;
      return f;
    }
    return ::operator new((c + 1) * kGranule);
  }
  return ::operator new(bytes);
}

void free_letter(void* letter, std::size_t bytes) noexcept {
  const std::size_t c = class_of(bytes);
  if (kPooled && c < kClasses && !t_lists_gone) {
    Lists::List& list = t_lists.lists[c];
    if (list.count < kKeptPerClass) {
      auto* f = static_cast<FreeLetter*>(letter);
      f->next = list.head;
      list.head = f;
      ++list.count;
      return;
    }
  }
  ::operator delete(letter);
}

}  // namespace weft::detail
