///@file Base64 (RFC 4648, standard alphabet, padded), as the guest agent uses for all data.
#pragma once

#include <string>
#include <string_view>

namespace nixdrill::guest {

std::string base64Encode(std::string_view data);

/// Accepts padded input; ignores nothing (no whitespace or line breaks).
/// @throws util::InputError on a character outside the alphabet or a bad length/padding,
///         including text after the padding and non-zero bits in the last character before it
///         ("Zh==" is not "Zg=="; RFC 4648 section 3.5 lets decoders reject it, encoders never write it).
std::string base64Decode(std::string_view text);

} // namespace nixdrill::guest
