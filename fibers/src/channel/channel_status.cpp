// The names of channel outcomes (weft/channel/channel_status.hpp).
#include "weft/channel/channel_status.hpp"

namespace weft {

const char* to_string(ChannelStatus status) noexcept {
  switch (status) {
    case ChannelStatus::ok: return "ok";
    case ChannelStatus::empty: return "empty";
    case ChannelStatus::full: return "full";
    case ChannelStatus::closed: return "closed";
    case ChannelStatus::timeout: return "timeout";
  }
  return "?";
}

}  // namespace weft
