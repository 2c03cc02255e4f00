// SPDX-License-Identifier: MIT
// libFuzzer target: any bytes through everything the console and the agent
// do with what arrives from the network, AddressSanitizer and
// UndefinedBehaviorSanitizer watching memory and arithmetic on the way.
//
// 1. As a datagram: decode() must refuse with a reason or return a report
//    that validate() accepts, and that report must survive encode() and
//    decode() again unchanged (up to interfaces encode() leaves out to stay
//    within a datagram). Its envelope is verified with a key (a made-up tag
//    must never open) and, as an acknowledgement, decoded as the agent does.
// 2. As a report payload: sealed with Sign and with Encrypt under that key,
//    it must open again to exactly the same bytes, and decode to the same
//    verdict as unsealed; with one bit of the tag flipped it must not open.
#include "dmr/Codec.h"
#include "dmr/Seal.h"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

const dmr::Key &fuzzKey()
{
    static const dmr::Key key
        = *dmr::Key::fromText("7:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    return key;
}

void check(bool condition)
{
    if (!condition)
        std::abort();
}

void asDatagram(const std::uint8_t *data, std::size_t size)
{
    const dmr::DecodeResult result = dmr::decode(data, size);
    if (!result.ok()) {
        check(result.reason != dmr::RejectReason::None && !result.detail.empty());
    } else {
        const dmr::Report &report = *result.report;
        check(dmr::validate(report).empty());
        const std::string again = dmr::encode(report);
        check(again.size() <= dmr::kMaxDatagramSize);
        const dmr::DecodeResult round = dmr::decode(again);
        check(round.ok());
        dmr::Report expected = report;
        expected.interfaces.resize(round.report->interfaces.size());
        check(round.report->interfaces.size() <= report.interfaces.size());
        check(*round.report == expected);
    }

    std::optional<dmr::Envelope> envelope = dmr::parseEnvelope(data, size);
    if (!envelope)
        return;
    const std::string received = envelope->payload;
    // A tag the fuzzer made up never opens: it cannot compute one without the key.
    if (envelope->security != dmr::Security::None)
        check(dmr::open(*envelope, fuzzKey()) != dmr::OpenResult::Ok);
    if (envelope->kind == dmr::PayloadKind::Ack) {
        if (const std::optional<dmr::Ack> ack = dmr::decodeAck(received))
            (void)ack->stored(ack->contiguous + 2);
    }
}

void asPayload(const std::uint8_t *data, std::size_t size)
{
    const std::string payload(reinterpret_cast<const char *>(data), size);
    const dmr::DecodeResult plain = dmr::decodeReport(payload);
    for (dmr::Security level : {dmr::Security::Sign, dmr::Security::Encrypt}) {
        const std::string sealed
            = dmr::seal(dmr::PayloadKind::Report, payload, level, &fuzzKey(), 1795000000000LL);
        std::optional<dmr::Envelope> envelope = dmr::parseEnvelope(sealed.data(), sealed.size());
        check(envelope.has_value());
        dmr::Envelope forged = *envelope;
        check(dmr::open(*envelope, fuzzKey()) == dmr::OpenResult::Ok);
        check(envelope->payload == payload);
        const dmr::DecodeResult opened = dmr::decodeReport(envelope->payload);
        check(opened.ok() == plain.ok() && opened.reason == plain.reason);
        forged.tag[forged.tag.size() / 2] = char(forged.tag[forged.tag.size() / 2] ^ 0x04);
        check(dmr::open(forged, fuzzKey()) != dmr::OpenResult::Ok);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    asDatagram(data, size);
    if (size <= dmr::kMaxDatagramSize)
        asPayload(data, size);
    return 0;
}
