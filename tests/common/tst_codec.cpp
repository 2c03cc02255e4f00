// SPDX-License-Identifier: MIT
#include "../support/TestHardware.h"
#include "dmr/Codec.h"
#include "dmr/Seal.h"
#include "metrics.pb.h"

#include <QFile>
#include <QTest>
#include <random>
#include <thread>

using dmr::Report;

Q_DECLARE_METATYPE(dmr::RejectReason)

namespace {

// A report as a Raspberry Pi with wired and wireless networking sends it.
Report sampleReport(int interfaces = 2)
{
    Report report;
    report.deviceId = "4c4c4544004a3510804bb2c04f585032";
    report.hostname = "raspberrypi-garage";
    report.agentVersion = dmr::packVersion(0, 1, 0);
    report.intervalSeconds = 10;
    report.runId = 0x9e3779b9u;
    report.sequence = 123456;
    report.sampleTimeMs = 1795000000123LL;
    report.system.cpuPercent = 37.25;
    report.system.memoryUsedKb = 1734560;
    report.system.memoryTotalKb = 3884084;
    report.system.diskUsedKb = 18453120;
    report.system.diskTotalKb = 30044096;
    report.system.diskAvailableKb = 30044096 - 1502204 - 18453120; // 5 % reserved for root
    report.system.load1 = 1.42;
    report.system.load5 = 0.97;
    report.system.load15 = 0.65;
    report.system.uptimeSeconds = 8640123;
    for (int i = 0; i < interfaces; ++i) {
        dmr::InterfaceSample sample;
        sample.name = i == 0 ? "eth0" : "wlan" + std::to_string(i - 1);
        sample.ipAddress = "192.168.1." + std::to_string(20 + i);
        char mac[24];
        std::snprintf(mac, sizeof mac, "dc:a6:32:%02x:4f:9e", unsigned(i) & 0xffU);
        sample.macAddress = mac;
        sample.rxBytes = 98765432109ULL + i;
        sample.txBytes = 12345678901ULL + i;
        sample.rxPackets = 87654321 + i;
        sample.txPackets = 7654321 + i;
        report.interfaces.push_back(sample);
    }
    return report;
}

Report withLabels(Report report, const dmr::Labels &labels)
{
    report.labels = labels;
    report.labelsHash = dmr::labelsHash(labels);
    return report;
}

} // namespace

class TestCodec : public QObject
{
    Q_OBJECT
private slots:
    void fuzzSeeds_data();
    void fuzzSeeds();
    void roundTrip_data();
    void roundTrip();
    void sizeBudget_data();
    void sizeBudget();
    void rejects_data();
    void rejects();
    void validate_data();
    void validate();
    void trimsInterfacesToFit();
    void labelsRoundTrip_data();
    void labelsRoundTrip();
    void labelsHash();
    void labelsOnlyHashCostsFiveBytes();
    void largestLabelsFit();
    void olderAgentsDiskKeepsItsUse();
    void survivesMutations();
    void survivesRandomBytes();
    void sealRoundTrip_data();
    void sealRoundTrip();
    void sealWithManyKeys_data();
    void sealWithManyKeys();
    void keyText_data();
    void keyText();
    void ackRoundTrip();
    void hardwareRecordRoundTrip();
    void hardwareInReportRoundTrip();
    void hardwareRejects_data();
    void hardwareRejects();
};

void TestCodec::roundTrip_data()
{
    QTest::addColumn<int>("interfaces");
    QTest::addColumn<QString>("deviceId");
    QTest::addColumn<QString>("ip");
    QTest::newRow("machine-id, 2 interfaces") << 2 << "4c4c4544004a3510804bb2c04f585032"
                                              << "10.0.0.7";
    QTest::newRow("no interfaces") << 0 << "4c4c4544004a3510804bb2c04f585032"
                                   << "";
    QTest::newRow("12 interfaces") << 12 << "4c4c4544004a3510804bb2c04f585032"
                                   << "10.0.0.7";
    QTest::newRow("free-form id") << 1 << "Garage-Pi_01"
                                  << "10.0.0.7";
    QTest::newRow("upper-case hex id stays text") << 1 << "ABCDEF"
                                                  << "10.0.0.7";
    QTest::newRow("odd-length hex id") << 1 << "abc"
                                       << "10.0.0.7";
    QTest::newRow("IPv6") << 1 << "host-6"
                          << "2001:db8::42";
    QTest::newRow("no address") << 1 << "host-x"
                                << "";
}

void TestCodec::roundTrip()
{
    QFETCH(int, interfaces);
    QFETCH(QString, deviceId);
    QFETCH(QString, ip);
    Report report = sampleReport(interfaces);
    report.deviceId = deviceId.toStdString();
    for (auto &sample : report.interfaces) {
        sample.name = sample.name.substr(0, 4) + std::to_string(&sample - report.interfaces.data());
        sample.ipAddress = ip.toStdString();
    }
    QCOMPARE(QString::fromStdString(dmr::validate(report)), QString());

    const std::string datagram = dmr::encode(report);
    const dmr::DecodeResult result = dmr::decode(datagram);
    QVERIFY2(result.ok(), result.detail.c_str());
    QCOMPARE(result.reason, dmr::RejectReason::None);
    QVERIFY(*result.report == report);
    // Encoding is canonical: the decoded report encodes to the same bytes.
    QCOMPARE(dmr::encode(*result.report), datagram);
}

void TestCodec::sizeBudget_data()
{
    QTest::addColumn<QString>("hostname");
    QTest::addColumn<int>("limit");
    QTest::addColumn<bool>("server");
    QTest::newRow("Raspberry Pi") << "raspberrypi-garage" << 200 << false;
    QTest::newRow("server, terabytes moved") << "db-07.rack3.lan" << 200 << true;
}

// Issue 2: a report with two interfaces encodes to at most 200 bytes.
void TestCodec::sizeBudget()
{
    QFETCH(QString, hostname);
    QFETCH(int, limit);
    QFETCH(bool, server);
    Report report = sampleReport(2);
    report.hostname = hostname.toStdString();
    if (server) {
        // A year up, reporting every 10 s, 64 GiB of memory, 4 TiB of disk,
        // and 4 TiB through each interface.
        report.sequence = 3'153'600;
        report.system.memoryTotalKb = report.system.memoryUsedKb = 64ULL * 1024 * 1024;
        report.system.diskTotalKb = report.system.diskUsedKb = 4ULL * 1024 * 1024 * 1024;
        report.system.diskAvailableKb = 0;
        report.system.uptimeSeconds = 31'536'000;
        report.system.load1 = 12.5;
        for (auto &sample : report.interfaces) {
            sample.rxBytes = sample.txBytes = 1ULL << 42;
            sample.rxPackets = sample.txPackets = 1ULL << 32;
        }
    }
    const std::string datagram = dmr::encode(report);
    qInfo("%s: %zu bytes", qPrintable(hostname), datagram.size());
    QVERIFY2(int(datagram.size()) <= limit, qPrintable(QString::number(datagram.size())));
}

void TestCodec::rejects_data()
{
    QTest::addColumn<QByteArray>("datagram");
    QTest::addColumn<dmr::RejectReason>("reason");
    QTest::addColumn<QString>("detailContains");

    const std::string valid = dmr::encode(sampleReport());
    auto withReport = [](auto change) {
        Report report = sampleReport();
        change(report);
        const std::string datagram = dmr::encode(report);
        return QByteArray(datagram.data(), int(datagram.size()));
    };

    QTest::newRow("empty") << QByteArray() << dmr::RejectReason::Empty << "empty";
    QTest::newRow("1201 bytes") << QByteArray(1201, '\x08') << dmr::RejectReason::Oversize
                                << "1201";
    QTest::newRow("64 KiB") << QByteArray(65507, 'x') << dmr::RejectReason::Oversize << "limit";
    QTest::newRow("text") << QByteArray("GET / HTTP/1.1\r\n\r\n") << dmr::RejectReason::Malformed
                          << "protobuf";
    QTest::newRow("truncated") << QByteArray(valid.data(), int(valid.size()) - 5)
                               << dmr::RejectReason::Malformed << "protobuf";
    QTest::newRow("bad wire type")
        << QByteArray("\x0f\x01", 2) << dmr::RejectReason::Malformed << "";
    QTest::newRow("envelope without payload")
        << QByteArray("\x10\x00", 2) << dmr::RejectReason::Malformed << "payload";
    QTest::newRow("signed, not supported")
        << QByteArray("\x0a\x02\x18\x01\x10\x01", 6) << dmr::RejectReason::Unsupported << "key";
    QTest::newRow("payload without system")
        << QByteArray("\x0a\x03\x1a\x01x", 5) << dmr::RejectReason::Invalid << "system";
    QTest::newRow("no device id") << withReport([](Report &r) { r.deviceId.clear(); })
                                  << dmr::RejectReason::Invalid << "device_id";
    QTest::newRow("sequence 0") << withReport([](Report &r) { r.sequence = 0; })
                                << dmr::RejectReason::Invalid << "sequence";
    QTest::newRow("interval 0") << withReport([](Report &r) { r.intervalSeconds = 0; })
                                << dmr::RejectReason::Invalid << "interval";
    QTest::newRow("sample time 1970") << withReport([](Report &r) { r.sampleTimeMs = 1000; })
                                      << dmr::RejectReason::Invalid << "sample time";
    QTest::newRow("cpu 100.01") << withReport([](Report &r) { r.system.cpuPercent = 100.01; })
                                << dmr::RejectReason::Invalid << "cpu";
    QTest::newRow("memory used > total")
        << withReport([](Report &r) { r.system.memoryUsedKb = r.system.memoryTotalKb + 1; })
        << dmr::RejectReason::Invalid << "memory";
    QTest::newRow("disk used > total")
        << withReport([](Report &r) { r.system.diskUsedKb = r.system.diskTotalKb + 1; })
        << dmr::RejectReason::Invalid << "disk";
    QTest::newRow("33 interfaces") << withReport([](Report &r) {
        r.interfaces.assign(33, dmr::InterfaceSample {"if", "", "", 1, 1, 1, 1});
    }) << dmr::RejectReason::Invalid
                                   << "32";
    QTest::newRow("interface name too long")
        << withReport([](Report &r) { r.interfaces[0].name = "a-very-long-ifname"; })
        << dmr::RejectReason::Invalid << "interface name";
    QTest::newRow("control character in host name")
        << withReport([](Report &r) { r.hostname = "evil\nhost"; }) << dmr::RejectReason::Invalid
        << "hostname";

    auto withLabelList = [&withReport](dmr::Labels labels, int hashOffset = 0) {
        return withReport([&](Report &r) {
            r.labels = labels;
            r.labelsHash = dmr::labelsHash(labels) + std::uint32_t(hashOffset);
        });
    };
    QTest::newRow("label name starts with a digit")
        << withLabelList({{"1st", "x"}}) << dmr::RejectReason::Invalid << "label name";
    QTest::newRow("label name with a space")
        << withLabelList({{"floor two", "x"}}) << dmr::RejectReason::Invalid << "label name";
    QTest::newRow("label name of 65 characters") << withLabelList({{std::string(65, 'n'), "x"}})
                                                 << dmr::RejectReason::Invalid << "label name";
    QTest::newRow("empty label name")
        << withLabelList({{"", "x"}}) << dmr::RejectReason::Invalid << "label name";
    dmr::Labels many;
    for (int i = 0; i < 33; ++i)
        many.emplace_back("l" + std::to_string(100 + i), "v");
    QTest::newRow("33 labels") << withLabelList(many) << dmr::RejectReason::Invalid
                               << "at most 32 labels";
    QTest::newRow("duplicate label name")
        << withLabelList({{"role", "gateway"}, {"role", "router"}}) << dmr::RejectReason::Invalid
        << "label role appears twice";
    // Sent unsorted: the decoder sorts before it looks for twins.
    QTest::newRow("duplicate label name, apart")
        << withLabelList({{"role", "gateway"}, {"location", "lab"}, {"role", "router"}})
        << dmr::RejectReason::Invalid << "label role appears twice";
    QTest::newRow("labels hash does not match")
        << withLabelList({{"location", "lab"}}, 1) << dmr::RejectReason::Invalid << "labels_hash";
    QTest::newRow("labels without a hash") << withReport([](Report &r) {
        r.labels = {{"location", "lab"}};
    }) << dmr::RejectReason::Invalid << "labels_hash";
    QTest::newRow("newline in a label value")
        << withLabelList({{"location", "lab\nrole=admin"}}) << dmr::RejectReason::Invalid
        << "label location: the value";
    QTest::newRow("C1 control in a label value")
        << withLabelList({{"location", "lab\xc2\x85"}}) << dmr::RejectReason::Invalid
        << "control characters";
    QTest::newRow("label value not UTF-8")
        << withLabelList({{"location", "caf\xe9"}}) << dmr::RejectReason::Invalid << "UTF-8";
    QTest::newRow("label value of 254 bytes") << withLabelList({{"note", std::string(254, 'v')}})
                                              << dmr::RejectReason::Invalid << "253 bytes";
    QTest::newRow("labels over 384 bytes in all")
        << withLabelList({{"a", std::string(200, 'v')}, {"b", std::string(200, 'v')}})
        << dmr::RejectReason::Invalid << "more than 384";
}

void TestCodec::rejects()
{
    QFETCH(QByteArray, datagram);
    QFETCH(dmr::RejectReason, reason);
    QFETCH(QString, detailContains);
    const dmr::DecodeResult result
        = dmr::decode(datagram.constData(), std::size_t(datagram.size()));
    QVERIFY(!result.ok());
    QCOMPARE(dmr::rejectReasonName(result.reason), dmr::rejectReasonName(reason));
    QVERIFY2(QString::fromStdString(result.detail).contains(detailContains), result.detail.c_str());
}

void TestCodec::validate_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<bool>("valid");
    QTest::newRow("ok") << "" << true;
    QTest::newRow("bad ip") << "ip" << false;
    QTest::newRow("bad mac") << "mac" << false;
    QTest::newRow("negative load") << "load" << false;
    QTest::newRow("NaN cpu") << "cpu" << false;
    QTest::newRow("65-char device id") << "id" << false;
    QTest::newRow("used + available over size") << "disk" << false;
    QTest::newRow("nothing reserved") << "disk reserved" << true;
    QTest::newRow("labels") << "labels" << true;
    QTest::newRow("only the labels hash") << "labels hash" << true;
    QTest::newRow("label value UTF-8, spaces, empty") << "label text" << true;
    QTest::newRow("labels unsorted") << "labels unsorted" << false;
    QTest::newRow("label value with DEL") << "label del" << false;
    QTest::newRow("label value overlong UTF-8") << "label overlong" << false;
    QTest::newRow("label value UTF-16 surrogate") << "label surrogate" << false;
    QTest::newRow("label value cut UTF-8") << "label cut" << false;
}

void TestCodec::validate()
{
    QFETCH(QString, field);
    QFETCH(bool, valid);
    Report report = sampleReport();
    if (field == QLatin1String("ip"))
        report.interfaces[0].ipAddress = "300.1.1.1";
    else if (field == QLatin1String("mac"))
        report.interfaces[0].macAddress = "zz:zz";
    else if (field == QLatin1String("load"))
        report.system.load5 = -1;
    else if (field == QLatin1String("cpu"))
        report.system.cpuPercent = std::nan("");
    else if (field == QLatin1String("id"))
        report.deviceId = std::string(65, 'a');
    else if (field == QLatin1String("disk"))
        report.system.diskAvailableKb = report.system.diskTotalKb - report.system.diskUsedKb + 1;
    else if (field == QLatin1String("disk reserved"))
        report.system.diskAvailableKb = report.system.diskTotalKb - report.system.diskUsedKb;
    else if (field == QLatin1String("labels"))
        report = withLabels(report, {{"location", "lab"}, {"role", "gateway"}});
    else if (field == QLatin1String("labels hash"))
        report.labelsHash = 0x6afe5405;
    else if (field == QLatin1String("label text"))
        report = withLabels(report,
            {{"_x.y-z", ""}, {"location", "Bâtiment 4, étage 2 — salle 🖥"},
                {"owner", std::string(253, 'o')}});
    else if (field == QLatin1String("labels unsorted"))
        report = withLabels(report, {{"role", "gateway"}, {"location", "lab"}});
    else if (field == QLatin1String("label del"))
        report = withLabels(report, {{"location", "lab\x7f"}});
    else if (field == QLatin1String("label overlong"))
        report = withLabels(report, {{"location", "\xc0\xaf"}});
    else if (field == QLatin1String("label surrogate"))
        report = withLabels(report, {{"location", "\xed\xa0\x80"}});
    else if (field == QLatin1String("label cut"))
        report = withLabels(report, {{"location", "caf\xc3"}});
    QCOMPARE(dmr::validate(report).empty(), valid);
}

// An older agent sent disk_total_kb = used + available and no
// disk_available_kb: its available is then what used leaves of the total, so
// the console shows the same Use% it always did.
void TestCodec::olderAgentsDiskKeepsItsUse()
{
    const Report report = sampleReport();
    dmr::v1::Report wire;
    QVERIFY(wire.ParseFromString(dmr::encodeReport(report)));
    QVERIFY(wire.system().has_disk_available_kb());
    QCOMPARE(wire.system().disk_available_kb(), report.system.diskAvailableKb);
    wire.mutable_system()->clear_disk_available_kb();
    wire.mutable_system()->set_disk_total_kb(
        report.system.diskUsedKb + report.system.diskAvailableKb);
    const dmr::DecodeResult old = dmr::decodeReport(wire.SerializeAsString());
    QVERIFY2(old.ok(), old.detail.c_str());
    QCOMPARE(old.report->system.diskAvailableKb, report.system.diskAvailableKb);
    QCOMPARE(old.report->system.diskPercent(), report.system.diskPercent());
    // df's Use% is of used + available: 18453120 / 28541892, not of the size.
    QCOMPARE(report.system.diskPercent(), 64.65);
}

void TestCodec::trimsInterfacesToFit()
{
    Report report = sampleReport(32);
    for (std::size_t i = 0; i < report.interfaces.size(); ++i) {
        report.interfaces[i].name = "veth" + std::to_string(i);
        report.interfaces[i].ipAddress = "fd00:1234:5678:9abc::" + std::to_string(i + 1);
    }
    const std::string datagram = dmr::encode(report);
    QVERIFY(datagram.size() <= dmr::kMaxDatagramSize);
    const dmr::DecodeResult result = dmr::decode(datagram);
    QVERIFY2(result.ok(), result.detail.c_str());
    const auto &kept = result.report->interfaces;
    QVERIFY(kept.size() >= 8 && kept.size() < 32);
    // The first interfaces are the ones kept, unchanged.
    for (std::size_t i = 0; i < kept.size(); ++i)
        QVERIFY(kept[i] == report.interfaces[i]);
}

void TestCodec::labelsRoundTrip_data()
{
    QTest::addColumn<bool>("full"); // the labels themselves, or their hash alone
    QTest::addColumn<int>("interfaces");
    QTest::newRow("labels") << true << 2;
    QTest::newRow("labels, no interfaces") << true << 0;
    QTest::newRow("hash alone") << false << 2;
}

void TestCodec::labelsRoundTrip()
{
    QFETCH(bool, full);
    QFETCH(int, interfaces);
    const dmr::Labels labels {{"location", "lab"}, {"rack", ""}, {"role", "gateway"}};
    Report report = withLabels(sampleReport(interfaces), labels);
    if (!full)
        report.labels.clear();
    QCOMPARE(QString::fromStdString(dmr::validate(report)), QString());

    const std::string datagram = dmr::encode(report);
    const dmr::DecodeResult result = dmr::decode(datagram);
    QVERIFY2(result.ok(), result.detail.c_str());
    QVERIFY(*result.report == report);
    QCOMPARE(result.report->labels, full ? labels : dmr::Labels());
    QCOMPARE(result.report->labelsHash, dmr::labelsHash(labels));
    QCOMPARE(dmr::encode(*result.report), datagram);

    // Another sender's order: the decoder sorts, the hash is the same.
    dmr::v1::Report wire;
    QVERIFY(wire.ParseFromString(dmr::encodeReport(report)));
    if (full) {
        std::swap(*wire.mutable_labels(0), *wire.mutable_labels(2));
        QCOMPARE(wire.labels(0).name(), std::string("role"));
        const dmr::DecodeResult unsorted = dmr::decodeReport(wire.SerializeAsString());
        QVERIFY2(unsorted.ok(), unsorted.detail.c_str());
        QCOMPARE(unsorted.report->labels, labels);
    }

    // An older agent sends neither: no labels, hash 0. An older console
    // skips both fields as unknown ones.
    wire.clear_labels();
    wire.clear_labels_hash();
    const dmr::DecodeResult old = dmr::decodeReport(wire.SerializeAsString());
    QVERIFY2(old.ok(), old.detail.c_str());
    QVERIFY(old.report->labels.empty());
    QCOMPARE(old.report->labelsHash, 0u);
}

// FNV-1a 32-bit over "name=value\n" in name order, as proto/metrics.proto
// documents it for other implementations; checked against values computed
// apart from this code.
void TestCodec::labelsHash()
{
    QCOMPARE(dmr::labelsHash({}), 0u);
    QCOMPARE(dmr::labelsHash({{"location", "lab"}, {"role", "gateway"}}), 0x6afe5405u);
    QCOMPARE(dmr::labelsHash({{"role", "gateway"}, {"location", "lab"}}), 0x6afe5405u);
    QCOMPARE(dmr::labelsHash({{"a", ""}}), 0x32b0fb6bu);
    // The separator keeps names and values apart (a name has no '=', a value no '\n').
    QVERIFY(dmr::labelsHash({{"ab", "c"}}) != dmr::labelsHash({{"a", "bc"}}));
    QVERIFY(dmr::labelsHash({{"a", "1"}}) != dmr::labelsHash({{"a", "2"}}));
}

// Most reports carry the labels' hash alone: 5 bytes (a tag and a fixed32).
void TestCodec::labelsOnlyHashCostsFiveBytes()
{
    const Report plain = sampleReport(2);
    Report hashed = plain;
    hashed.labelsHash = dmr::labelsHash({{"location", "lab"}, {"role", "gateway"}});
    QCOMPARE(dmr::encode(hashed).size(), dmr::encode(plain).size() + 5);
    // A hash of 0 is never sent: labelsHash() makes it 1.
    QVERIFY(dmr::labelsHash({{"x", "y"}}) != 0);
}

// The most labels the rules allow, beside the largest device id, host name
// and system figures, still fit a datagram sealed at any level; interfaces
// that no longer fit are left out, the labels never.
void TestCodec::largestLabelsFit()
{
    Report report = sampleReport(32);
    report.deviceId = std::string(dmr::kMaxDeviceIdLength, 'D');
    report.hostname = std::string(dmr::kMaxHostnameLength, 'h');
    report.sequence = ~std::uint64_t(0);
    report.intervalSeconds = dmr::kMaxIntervalSeconds;
    report.agentVersion = ~std::uint32_t(0);
    dmr::SystemSample &s = report.system;
    s.memoryTotalKb = s.diskTotalKb = s.uptimeSeconds = ~std::uint64_t(0);
    s.memoryUsedKb = s.diskUsedKb = ~std::uint64_t(0) / 2;
    s.diskAvailableKb = 1; // sent: not total - used
    s.cpuPercent = 100;
    s.load1 = s.load5 = s.load15 = 999999.99;
    // 32 labels of 12 bytes each (the most per-label overhead), then one of 384 bytes.
    for (const bool manySmall : {true, false}) {
        dmr::Labels labels;
        if (manySmall) {
            for (int i = 0; i < int(dmr::kMaxLabels); ++i)
                labels.emplace_back("label" + std::to_string(10 + i), std::string(5, 'v'));
        } else {
            labels.emplace_back(std::string(dmr::kMaxLabelNameLength, 'n'),
                std::string(dmr::kMaxLabelValueLength, 'v'));
            labels.emplace_back("rest", std::string(dmr::kMaxLabelsLength - 64 - 253 - 4, 'r'));
        }
        std::size_t length = 0;
        for (const auto &[name, value] : labels)
            length += name.size() + value.size();
        QCOMPARE(length, dmr::kMaxLabelsLength);
        Report labelled = withLabels(report, labels);
        QCOMPARE(QString::fromStdString(dmr::validate(labelled)), QString());
        labelled.interfaces.clear();
        const std::string bare = dmr::encodeReport(labelled);
        qInfo(
            "%s: %zu bytes without interfaces", manySmall ? "32 labels" : "2 labels", bare.size());
        QVERIFY(bare.size() + dmr::kMaxEnvelopeOverhead <= dmr::kMaxDatagramSize);

        labelled.interfaces = report.interfaces;
        const dmr::Key key = dmr::Key::generate();
        const std::string sealed = dmr::seal(dmr::PayloadKind::Report, dmr::encodeReport(labelled),
            dmr::Security::Encrypt, &key, 1795000000123LL);
        QVERIFY(sealed.size() <= dmr::kMaxDatagramSize);
        const dmr::DecodeResult result = dmr::decode(dmr::encode(labelled));
        QVERIFY2(result.ok(), result.detail.c_str());
        QCOMPARE(result.report->labels, labels);
        QVERIFY(result.report->interfaces.size() < labelled.interfaces.size());
    }
}

// Flipping, dropping and inserting bytes of a valid datagram: decode either
// accepts a valid report or says why not; it never crashes (run this under
// ASan to see it too).
void TestCodec::survivesMutations()
{
    const std::string valid = dmr::encode(sampleReport());
    std::mt19937 random(42);
    int accepted = 0, rejected = 0;
    for (int round = 0; round < 200000; ++round) {
        std::string mutated = valid;
        const int edits = 1 + int(random() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = random() % mutated.size();
            switch (random() % 3) {
            case 0:
                mutated[at] = char(random());
                break;
            case 1:
                mutated.erase(at, 1 + random() % 8);
                break;
            default:
                mutated.insert(at, 1, char(random()));
            }
            if (mutated.empty())
                mutated = "x";
        }
        const dmr::DecodeResult result = dmr::decode(mutated);
        if (result.ok()) {
            QVERIFY(dmr::validate(*result.report).empty());
            ++accepted;
        } else {
            QVERIFY(result.reason != dmr::RejectReason::None);
            QVERIFY(!result.detail.empty());
            ++rejected;
        }
    }
    QVERIFY(rejected > 0);
    qInfo("mutations: %d accepted as valid reports, %d rejected", accepted, rejected);
}

void TestCodec::survivesRandomBytes()
{
    std::mt19937 random(7);
    for (int round = 0; round < 100000; ++round) {
        std::string garbage(random() % 1300, '\0');
        for (char &c : garbage)
            c = char(random());
        const dmr::DecodeResult result = dmr::decode(garbage);
        QVERIFY(result.ok() || !result.detail.empty());
    }
}

// The fuzzer's seed corpus (tests/fuzz/make-seeds.py) still means what it
// was made to mean: seeds that reach every path of decode().
void TestCodec::fuzzSeeds_data()
{
    QTest::addColumn<QString>("seed");
    QTest::addColumn<int>("reason");
    QTest::addColumn<int>("interfaces");
    const auto ok = int(dmr::RejectReason::None);
    QTest::newRow("pi") << "pi-two-interfaces" << ok << 2;
    QTest::newRow("hex id") << "hex-device-id" << ok << 1;
    QTest::newRow("no interfaces") << "no-interfaces" << ok << 0;
    QTest::newRow("many interfaces") << "many-interfaces" << ok << 12;
    QTest::newRow("labels, unsorted") << "labels" << ok << 1;
    QTest::newRow("labels hash alone") << "labels-hash-only" << ok << 1;
    QTest::newRow("no system") << "no-system" << int(dmr::RejectReason::Invalid) << 0;
    QTest::newRow("signed") << "signed" << int(dmr::RejectReason::Unsupported) << 0;
    QTest::newRow("empty") << "empty-payload" << int(dmr::RejectReason::Empty) << 0;
    // A bare Report parses as an envelope with junk fields: no payload.
    QTest::newRow("report payload") << "report-payload" << int(dmr::RejectReason::Malformed) << 0;
    QTest::newRow("ack") << "ack" << int(dmr::RejectReason::Malformed) << 0;
}

void TestCodec::fuzzSeeds()
{
    QFETCH(QString, seed);
    QFETCH(int, reason);
    QFETCH(int, interfaces);
    QFile file(QStringLiteral(DMR_TEST_DATA "/../fuzz/corpus/decode/") + seed);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
    const QByteArray bytes = file.readAll();
    const dmr::DecodeResult result = dmr::decode(bytes.constData(), std::size_t(bytes.size()));
    QVERIFY2(int(result.reason) == reason, result.detail.c_str());
    if (result.ok())
        QCOMPARE(int(result.report->interfaces.size()), interfaces);
    if (seed.startsWith(QLatin1String("labels"))) {
        QVERIFY(result.report->labelsHash != 0);
        QCOMPARE(result.report->labels.size(), seed == QLatin1String("labels") ? 3u : 0u);
    }
}

void TestCodec::sealRoundTrip_data()
{
    QTest::addColumn<int>("level");
    QTest::addColumn<int>("interfaces");
    for (dmr::Security level : {dmr::Security::None, dmr::Security::Sign, dmr::Security::Encrypt}) {
        for (int interfaces : {0, 2, 32})
            QTest::addRow("%s, %d interfaces", dmr::securityName(level), interfaces)
                << int(level) << interfaces;
    }
}

// Every level opens to the same report with the right key; the largest
// report still fits one datagram; the ciphertext does not show the report.
void TestCodec::sealRoundTrip()
{
    QFETCH(int, level);
    QFETCH(int, interfaces);
    const auto security = dmr::Security(level);
    Report report = sampleReport(interfaces);
    for (std::size_t i = 0; i < report.interfaces.size(); ++i) {
        report.interfaces[i].name = "veth" + std::to_string(i);
        report.interfaces[i].ipAddress = "fd00:1234:5678:9abc::" + std::to_string(i + 1);
    }
    const dmr::Key key = dmr::Key::generate();
    const std::string payload = dmr::encodeReport(report);
    const std::string bytes
        = dmr::seal(dmr::PayloadKind::Report, payload, security, &key, 1795000000123LL);
    QVERIFY2(bytes.size() <= dmr::kMaxDatagramSize, qPrintable(QString::number(bytes.size())));

    std::optional<dmr::Envelope> envelope = dmr::parseEnvelope(bytes.data(), bytes.size());
    QVERIFY(envelope);
    QCOMPARE(envelope->security, security);
    QCOMPARE(envelope->sentTimeMs, 1795000000123LL);
    QCOMPARE(envelope->payload == payload, security != dmr::Security::Encrypt);
    QCOMPARE(dmr::open(*envelope, key), dmr::OpenResult::Ok);
    const dmr::DecodeResult decoded = dmr::decodeReport(envelope->payload);
    QVERIFY2(decoded.ok(), decoded.detail.c_str());
    QCOMPARE(dmr::encodeReport(*decoded.report), payload);
    // Sealing twice gives different bytes when encrypting (a fresh nonce).
    if (security == dmr::Security::Encrypt)
        QVERIFY(
            dmr::seal(dmr::PayloadKind::Report, payload, security, &key, 1795000000123LL) != bytes);
}

void TestCodec::sealWithManyKeys_data()
{
    QTest::addColumn<int>("level");
    QTest::newRow("sign") << int(dmr::Security::Sign);
    QTest::newRow("encrypt") << int(dmr::Security::Encrypt);
}

// Each thread keeps OpenSSL contexts keyed per key (up to a few thousand
// keys) and re-keys one shared context for the rest. Sealed on one thread
// and opened on another, so neither side's contexts can hide the other's
// mistakes: every datagram of 5,000 keys opens, twice; a forged one does not
// and leaves the key's context good; a key id given new bytes (a reloaded key
// file) is not opened with the old ones.
void TestCodec::sealWithManyKeys()
{
    QFETCH(int, level);
    const auto security = dmr::Security(level);
    constexpr int kKeys = 5000;
    std::vector<dmr::Key> keys(kKeys);
    for (int i = 0; i < kKeys; ++i) {
        keys[std::size_t(i)] = dmr::Key::generate();
        keys[std::size_t(i)].id = std::uint32_t(i + 1);
    }
    auto payloadOf = [](int i, int round) {
        return "report " + std::to_string(i) + " of round " + std::to_string(round);
    };
    for (int round = 0; round < 2; ++round) {
        std::vector<std::string> sealed(kKeys);
        std::thread sealer([&] {
            for (int i = 0; i < kKeys; ++i)
                sealed[std::size_t(i)] = dmr::seal(dmr::PayloadKind::Report, payloadOf(i, round),
                    security, &keys[std::size_t(i)], 1795000000123LL);
        });
        sealer.join();
        for (int i = 0; i < kKeys; ++i) {
            const std::string &bytes = sealed[std::size_t(i)];
            std::optional<dmr::Envelope> forged = dmr::parseEnvelope(bytes.data(), bytes.size());
            QVERIFY(forged);
            forged->tag[0] = char(forged->tag[0] ^ 1);
            QVERIFY(dmr::open(*forged, keys[std::size_t(i)]) != dmr::OpenResult::Ok);
            std::optional<dmr::Envelope> envelope = dmr::parseEnvelope(bytes.data(), bytes.size());
            QVERIFY(envelope);
            QCOMPARE(envelope->keyId, keys[std::size_t(i)].id);
            QCOMPARE(dmr::open(*envelope, keys[std::size_t(i)]), dmr::OpenResult::Ok);
            QCOMPARE(envelope->payload, payloadOf(i, round));
        }
    }

    // Key 1 (cached on both threads by now) gets new bytes under the same id.
    const dmr::Key old = keys[0];
    dmr::Key renewed = dmr::Key::generate();
    renewed.id = old.id;
    const std::string byOld
        = dmr::seal(dmr::PayloadKind::Report, "old", security, &old, 1795000000123LL);
    const std::string byRenewed
        = dmr::seal(dmr::PayloadKind::Report, "renewed", security, &renewed, 1795000000123LL);
    std::optional<dmr::Envelope> envelope = dmr::parseEnvelope(byOld.data(), byOld.size());
    QVERIFY(envelope);
    QVERIFY(dmr::open(*envelope, renewed) != dmr::OpenResult::Ok);
    envelope = dmr::parseEnvelope(byRenewed.data(), byRenewed.size());
    QVERIFY(envelope);
    QCOMPARE(dmr::open(*envelope, renewed), dmr::OpenResult::Ok);
    QCOMPARE(envelope->payload, std::string("renewed"));
    envelope = dmr::parseEnvelope(byRenewed.data(), byRenewed.size());
    QVERIFY(envelope);
    QVERIFY(dmr::open(*envelope, old) != dmr::OpenResult::Ok);
    envelope = dmr::parseEnvelope(byOld.data(), byOld.size());
    QVERIFY(envelope);
    QCOMPARE(dmr::open(*envelope, old), dmr::OpenResult::Ok);
    QCOMPARE(envelope->payload, std::string("old"));
}

void TestCodec::keyText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    const QString hex
        = QStringLiteral("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    QTest::newRow("valid") << QStringLiteral("42:") + hex << true;
    QTest::newRow("upper-case hex") << QStringLiteral("42:") + hex.toUpper() << true;
    QTest::newRow("largest id") << QStringLiteral("4294967295:") + hex << true;
    QTest::newRow("id 0") << QStringLiteral("0:") + hex << false;
    QTest::newRow("id too large") << QStringLiteral("4294967296:") + hex << false;
    QTest::newRow("no id") << QStringLiteral(":") + hex << false;
    QTest::newRow("short key") << QStringLiteral("42:") + hex.left(62) << false;
    QTest::newRow("long key") << QStringLiteral("42:") + hex + QStringLiteral("00") << false;
    QTest::newRow("not hex") << QStringLiteral("42:") + hex.left(62) + QStringLiteral("zz")
                             << false;
    QTest::newRow("no colon") << hex << false;
}

void TestCodec::keyText()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    const std::optional<dmr::Key> key = dmr::Key::fromText(text.toStdString());
    QCOMPARE(key.has_value(), valid);
    if (valid)
        QCOMPARE(QString::fromStdString(key->toText()), text.toLower());
    const dmr::Key fresh = dmr::Key::generate();
    QVERIFY(fresh.id != 0);
    QCOMPARE(dmr::Key::fromText(fresh.toText())->bytes, fresh.bytes);
}

void TestCodec::ackRoundTrip()
{
    dmr::Ack ack;
    ack.runId = 0xdeadbeef;
    ack.contiguous = 12345;
    ack.storedAbove = 0b1011;
    const std::optional<dmr::Ack> back = dmr::decodeAck(dmr::encodeAck(ack));
    QVERIFY(back);
    QVERIFY(*back == ack);
    QVERIFY(back->stored(12345));
    QVERIFY(!back->stored(12346)); // contiguous + 1 is never stored
    QVERIFY(back->stored(12347)); // bit 0
    QVERIFY(back->stored(12348)); // bit 1
    QVERIFY(!back->stored(12349)); // bit 2
    QVERIFY(back->stored(12350)); // bit 3
    QVERIFY(!back->stored(12347 + 64));
    // A report is no acknowledgement, and not the other way round.
    const std::string ackDatagram
        = dmr::seal(dmr::PayloadKind::Ack, dmr::encodeAck(ack), dmr::Security::None, nullptr, 1);
    QCOMPARE(dmr::decode(ackDatagram).reason, dmr::RejectReason::Malformed);
}

void TestCodec::hardwareRecordRoundTrip()
{
    const dmr::HardwareSample hardware = dmr::test::sampleHardware();
    const std::string bytes = dmr::encodeHardwareRecord(hardware);
    const std::optional<dmr::HardwareSample> decoded = dmr::decodeHardwareRecord(bytes);
    QVERIFY(decoded);
    QCOMPARE(*decoded, hardware);
    QCOMPARE(dmr::encodeHardwareRecord(*decoded), bytes); // encode(decode(x)) is exact
    // Parts absent stay absent.
    dmr::HardwareSample sparse;
    sparse.corePercents = {1.5};
    const std::optional<dmr::HardwareSample> back
        = dmr::decodeHardwareRecord(dmr::encodeHardwareRecord(sparse));
    QVERIFY(back);
    QCOMPARE(*back, sparse);
    QVERIFY(!back->battery && !back->diskIo && !back->failedUnits);
    // A systemd without failed units is not no systemd.
    sparse.failedUnits = std::vector<std::string>();
    QCOMPARE(dmr::decodeHardwareRecord(dmr::encodeHardwareRecord(sparse))->failedUnits,
        sparse.failedUnits);
    QVERIFY(!dmr::decodeHardwareRecord("\xff\xff garbage"));
}

void TestCodec::hardwareInReportRoundTrip()
{
    Report report = sampleReport();
    report.agentVersion = dmr::packVersion(0, 2, 0);
    report.hardware = dmr::test::sampleHardware();
    report.factsHash = dmr::factsHash(report.hardware);
    report.factsIncluded = true;
    const std::string bytes = dmr::encode(report);
    dmr::DecodeResult decoded = dmr::decode(bytes);
    QVERIFY2(decoded.ok(), decoded.detail.c_str());
    QCOMPARE(*decoded.report, report);
    QCOMPARE(dmr::encode(*decoded.report), bytes);
    // Only the hash: the names stay empty until FactsCache fills them in.
    report.factsIncluded = false;
    decoded = dmr::decode(dmr::encode(report));
    QVERIFY2(decoded.ok(), decoded.detail.c_str());
    QVERIFY(!decoded.report->factsIncluded);
    QCOMPARE(decoded.report->factsHash, report.factsHash);
    QCOMPARE(decoded.report->hardware.temperatures.size(), report.hardware.temperatures.size());
    QVERIFY(decoded.report->hardware.temperatures.front().sensor.empty());
    QVERIFY(decoded.report->hardware.fileSystems.front().mount.empty());
    QCOMPARE(decoded.report->hardware.corePercents, report.hardware.corePercents);
}

void TestCodec::hardwareRejects_data()
{
    QTest::addColumn<int>("mutation");
    QTest::newRow("file_system_use not a multiple of 3") << 0;
    QTest::newRow("more sensor names than temperatures") << 1;
    QTest::newRow("fewer file system facts than uses") << 2;
    QTest::newRow("too many temperatures") << 3;
    QTest::newRow("control character in a sensor name") << 4;
    QTest::newRow("core above 100 percent") << 5;
}

void TestCodec::hardwareRejects()
{
    QFETCH(int, mutation);
    dmr::v1::Report wire;
    QVERIFY(wire.ParseFromString(dmr::encodeHardwareRecord(dmr::test::sampleHardware())));
    switch (mutation) {
    case 0:
        wire.add_file_system_use(1);
        break;
    case 1:
        wire.mutable_facts()->add_sensors("extra");
        break;
    case 2:
        wire.mutable_facts()->mutable_file_systems()->RemoveLast();
        break;
    case 3:
        for (int i = 0; i < int(dmr::kMaxTemperatures); ++i) {
            wire.add_temperature_deci_celsius(400);
            wire.mutable_facts()->add_sensors("t" + std::to_string(i));
        }
        break;
    case 4:
        wire.mutable_facts()->set_sensors(0, "bad\nname");
        break;
    case 5:
        wire.set_core_centi_percent(0, 10001);
        break;
    }
    QVERIFY(!dmr::decodeHardwareRecord(wire.SerializeAsString()));
    // The same in a whole report is refused with a reason, never a crash.
    Report report = sampleReport();
    dmr::v1::Report whole;
    QVERIFY(whole.ParseFromString(dmr::encodeReport(report)));
    whole.MergeFrom(wire);
    whole.set_facts_hash(wire.facts_hash());
    const dmr::DecodeResult decoded = dmr::decodeReport(whole.SerializeAsString());
    QVERIFY(!decoded.ok());
    QVERIFY(!decoded.detail.empty());
}

QTEST_GUILESS_MAIN(TestCodec)
#include "tst_codec.moc"
