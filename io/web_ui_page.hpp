// The web UI's page: HTML with a small hand-written script that polls /api/batches
// every second and draws the charts as inline SVG (no JS library, nothing fetched from
// elsewhere). Internal.
#pragma once
#include <string_view>

namespace rill::detail {

extern const std::string_view web_ui_page;

}  // namespace rill::detail
