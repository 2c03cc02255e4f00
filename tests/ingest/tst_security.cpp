// SPDX-License-Identifier: MIT
// Signed and encrypted datagrams through ingest with real keys (libcrypto):
// every way a datagram can fail its key, its level or the clock is refused
// and counted under its own reason, and nothing of it reaches the queue.
#include "dmr/Codec.h"
#include "fuzz/IngestInput.h"
#include "ingest/Ingest.h"
#include "ingest/KeyStore.h"
#include "ingest/ReportQueue.h"
#include "support/TestReports.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <limits>
#include <sys/stat.h>

using namespace dmr::console;

using TestReports::makeReport;

namespace {

constexpr qint64 kNow = 1795000000000LL + 50 * 10000; // sample time of sequence 50
const std::string kSigner = TestReports::deviceId(1); // has a sign key
const std::string kEncrypter = TestReports::deviceId(2); // has an encrypt key
const std::string kStranger = TestReports::deviceId(3); // has no key

Datagram toDatagram(const std::string &bytes)
{
    Datagram d;
    d.bytes = QByteArray(bytes.data(), qsizetype(bytes.size()));
    d.sender = QHostAddress(QStringLiteral("192.0.2.20"));
    d.senderPort = 41000;
    return d;
}

std::string sealed(const std::string &device, quint64 sequence, dmr::Security level,
    const dmr::Key *key, qint64 sentTime = kNow)
{
    return dmr::seal(dmr::PayloadKind::Report, dmr::encodeReport(makeReport(device, 1, sequence)),
        level, key, sentTime);
}

} // namespace

class TestSecurity : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void rejections_data();
    void rejections();
    void replayOfCapturedDatagram();
    void keyFileOthersCanReadIsRefused();
    void fuzzSeedsMeanWhatTheySay_data();
    void fuzzSeedsMeanWhatTheySay();

private:
    QTemporaryDir m_dir;
    std::shared_ptr<KeyStore> m_keys;
    dmr::Key m_signKey;
    dmr::Key m_encryptKey;
};

void TestSecurity::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(QStringLiteral("keys"));
    KeyStore store;
    QString error;
    const auto sign = store.add(path, QString::fromStdString(kSigner), dmr::Security::Sign, &error);
    QVERIFY2(sign, qPrintable(error));
    const auto encrypt
        = store.add(path, QString::fromStdString(kEncrypter), dmr::Security::Encrypt, &error);
    QVERIFY2(encrypt, qPrintable(error));
    m_signKey = sign->key;
    m_encryptKey = encrypt->key;
    struct stat status = {};
    QCOMPARE(::stat(QFile::encodeName(path).constData(), &status), 0);
    QCOMPARE(status.st_mode & 0777, mode_t(0600));

    // What the console reads back is what `keys add` wrote.
    m_keys = std::make_shared<KeyStore>();
    QVERIFY2(m_keys->load(path, &error), qPrintable(error));
    QCOMPARE(m_keys->size(), 2);
    QVERIFY(m_keys->findKey(m_signKey.id));
    QCOMPARE(m_keys->findKey(m_signKey.id)->key.bytes, m_signKey.bytes);
    QCOMPARE(m_keys->levelOf(QString::fromStdString(kEncrypter)), dmr::Security::Encrypt);
    QCOMPARE(m_keys->levelOf(QString::fromStdString(kStranger)), dmr::Security::None);
}

void TestSecurity::rejections_data()
{
    QTest::addColumn<QString>("console"); // the level the console requires
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("expected"); // a Rejection, or -1 for accepted

    const auto row
        = [](const char *name, const char *console, const std::string &bytes, int expected) {
              QTest::newRow(name) << QString::fromLatin1(console)
                                  << QByteArray(bytes.data(), qsizetype(bytes.size())) << expected;
          };
    const int accepted = -1;
    dmr::Key wrong = m_signKey;
    wrong.bytes[0] ^= 1;
    dmr::Key unknown = dmr::Key::generate();
    dmr::Key encryptWrong = m_encryptKey;
    encryptWrong.bytes[31] ^= 0x80;

    row("none, no key, console none", "none", sealed(kStranger, 50, dmr::Security::None, nullptr),
        accepted);
    row("signed with its key", "none", sealed(kSigner, 50, dmr::Security::Sign, &m_signKey),
        accepted);
    row("encrypted with its key", "none",
        sealed(kEncrypter, 50, dmr::Security::Encrypt, &m_encryptKey), accepted);
    row("encrypted where sign is enough", "sign",
        sealed(kSigner, 50, dmr::Security::Encrypt, &m_signKey), accepted);

    row("unsigned from a device with a key", "none",
        sealed(kSigner, 50, dmr::Security::None, nullptr), int(Rejection::Unsigned));
    row("unsigned, console requires sign", "sign",
        sealed(kStranger, 50, dmr::Security::None, nullptr), int(Rejection::Unsigned));
    row("signed by a device that must encrypt", "none",
        sealed(kEncrypter, 50, dmr::Security::Sign, &m_encryptKey), int(Rejection::Unsigned));
    row("signed, console requires encrypt", "encrypt",
        sealed(kSigner, 50, dmr::Security::Sign, &m_signKey), int(Rejection::Unsigned));

    row("signed with a wrong key", "none", sealed(kSigner, 50, dmr::Security::Sign, &wrong),
        int(Rejection::BadSignature));
    std::string tampered = sealed(kSigner, 50, dmr::Security::Sign, &m_signKey);
    // Flip one bit of the payload: the report's first bytes sit early in the envelope.
    tampered[8] = char(tampered[8] ^ 0x01);
    row("signed, a payload bit flipped", "none", tampered, int(Rejection::BadSignature));
    {
        // The header is signed too: the tag of one send time fails on another.
        const std::string honest = sealed(kSigner, 50, dmr::Security::Sign, &m_signKey, kNow);
        dmr::Envelope envelope = *dmr::parseEnvelope(honest.data(), honest.size());
        dmr::Envelope moved = envelope;
        moved.sentTimeMs = kNow - 1000;
        QCOMPARE(dmr::open(envelope, m_signKey), dmr::OpenResult::Ok);
        QCOMPARE(dmr::open(moved, m_signKey), dmr::OpenResult::BadSignature);
    }

    row("encrypted with a wrong key", "none",
        sealed(kEncrypter, 50, dmr::Security::Encrypt, &encryptWrong),
        int(Rejection::Undecryptable));
    std::string garbled = sealed(kEncrypter, 50, dmr::Security::Encrypt, &m_encryptKey);
    garbled[4] = char(garbled[4] ^ 0x20);
    row("encrypted, a ciphertext bit flipped", "none", garbled, int(Rejection::Undecryptable));

    row("signed with a key nobody has", "none", sealed(kSigner, 50, dmr::Security::Sign, &unknown),
        int(Rejection::UnknownDevice));
    row("encrypted with a key nobody has", "encrypt",
        sealed(kStranger, 50, dmr::Security::Encrypt, &unknown), int(Rejection::UnknownDevice));
    row("another device's key", "none", sealed(kStranger, 50, dmr::Security::Sign, &m_signKey),
        int(Rejection::KeyMismatch));

    row("sent 6 minutes ago", "none",
        sealed(kSigner, 50, dmr::Security::Sign, &m_signKey, kNow - 360000),
        int(Rejection::ClockSkew));
    row("sent 6 minutes ahead", "none",
        sealed(kSigner, 50, dmr::Security::Sign, &m_signKey, kNow + 360000),
        int(Rejection::ClockSkew));
    row("sent 4 minutes ago", "none",
        sealed(kSigner, 50, dmr::Security::Sign, &m_signKey, kNow - 240000), accepted);
    row("a resend: sampled an hour ago, sent now", "none",
        sealed(kSigner, 50 - 360, dmr::Security::Sign, &m_signKey, kNow), accepted);
    row("unprotected, sent 6 minutes ago", "none",
        sealed(kStranger, 50, dmr::Security::None, nullptr, kNow - 360000),
        int(Rejection::ClockSkew));
    row("unprotected, sent at the start of time", "none",
        sealed(kStranger, 50, dmr::Security::None, nullptr, std::numeric_limits<qint64>::min()),
        int(Rejection::ClockSkew));
    row("unprotected, sent at the end of time", "none",
        sealed(kStranger, 50, dmr::Security::None, nullptr, std::numeric_limits<qint64>::max()),
        int(Rejection::ClockSkew));
    row("an acknowledgement sent to the console", "none",
        dmr::seal(dmr::PayloadKind::Ack, dmr::encodeAck({}), dmr::Security::Sign, &m_signKey, kNow),
        int(Rejection::Malformed));
}

void TestSecurity::rejections()
{
    QFETCH(QString, console);
    QFETCH(QByteArray, bytes);
    QFETCH(int, expected);

    IngestPolicy policy;
    policy.required = *dmr::parseSecurity(console.toStdString());
    policy.keys = m_keys;
    policy.maxClockSkewMs = 300000;
    ReportQueue queue(100);
    IngestCounters counters;
    Ingest ingest(
        &queue, &counters, [] { return kNow; }, policy);
    QSignalSpy paths(&ingest, &Ingest::returnPathsSeen);

    if (expected >= 0)
        QTest::ignoreMessage(QtWarningMsg,
            QRegularExpression(QStringLiteral("rejected datagram from 192.0.2.20:41000: %1: ")
                                   .arg(rejectionName(Rejection(expected)))));
    Datagram datagram;
    datagram.bytes = bytes;
    datagram.sender = QHostAddress(QStringLiteral("192.0.2.20"));
    datagram.senderPort = 41000;
    ingest.ingest({datagram});

    QCOMPARE(counters.received.load(), quint64(1));
    for (int reason = 0; reason < int(Rejection::Count); ++reason)
        QCOMPARE(counters.rejectedFor(Rejection(reason)), quint64(reason == expected ? 1 : 0));
    QCOMPARE(counters.accepted.load(), quint64(expected < 0 ? 1 : 0));
    QCOMPARE(queue.size(), std::size_t(expected < 0 ? 1 : 0));
    QCOMPARE(ingest.registry().size(), expected < 0 ? 1 : 0);
    // Only an accepted datagram tells where to send acknowledgements.
    QCOMPARE(paths.count(), expected < 0 ? 1 : 0);
}

void TestSecurity::replayOfCapturedDatagram()
{
    IngestPolicy policy;
    policy.required = dmr::Security::Sign;
    policy.keys = m_keys;
    ReportQueue queue(100);
    IngestCounters counters;
    qint64 now = kNow;
    Ingest ingest(
        &queue, &counters, [&now] { return now; }, policy);

    const Datagram captured = toDatagram(sealed(kSigner, 50, dmr::Security::Sign, &m_signKey));
    ingest.ingest({captured});
    QCOMPARE(queue.size(), std::size_t(1));

    // Replayed at once: the sequence window knows it.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("duplicate: ")));
    ingest.ingest({captured});
    // Replayed after the agent restarted (a new run): still known, as an earlier run's.
    ingest.ingest({toDatagram(dmr::seal(dmr::PayloadKind::Report,
        dmr::encodeReport(makeReport(kSigner, 2, 1)), dmr::Security::Sign, &m_signKey, now))});
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("duplicate: ")));
    ingest.ingest({captured});
    // Replayed an hour later: the send time gives it away whatever the window says.
    now += 3600 * 1000;
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("clock_skew: ")));
    ingest.ingest({captured});

    QCOMPARE(counters.received.load(), quint64(5));
    QCOMPARE(counters.accepted.load(), quint64(2));
    QCOMPARE(counters.rejectedFor(Rejection::Duplicate), quint64(2));
    QCOMPARE(counters.rejectedFor(Rejection::ClockSkew), quint64(1));
    QCOMPARE(queue.size(), std::size_t(2));
}

void TestSecurity::keyFileOthersCanReadIsRefused()
{
    const QString path = m_dir.filePath(QStringLiteral("open-keys"));
    QVERIFY(QFile::copy(m_dir.filePath(QStringLiteral("keys")), path));
    QVERIFY(QFile::setPermissions(path,
        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup
            | QFileDevice::ReadOther));
    KeyStore store;
    QString error;
    QVERIFY(!store.load(path, &error));
    QVERIFY2(error.contains(QLatin1String("chmod 600")), qPrintable(error));
}

void TestSecurity::fuzzSeedsMeanWhatTheySay_data()
{
    QTest::addColumn<QString>("seed");
    QTest::addColumn<int>("accepted");
    QTest::addColumn<QList<int>>("rejections"); // Rejection values, one per refused datagram
    const auto reasons = [](std::initializer_list<Rejection> list) {
        QList<int> values;
        for (Rejection reason : list)
            values.append(int(reason));
        return values;
    };
    QTest::newRow("signed-run") << "signed-run" << 4 << reasons({Rejection::Duplicate});
    QTest::newRow("signed-one") << "signed-one" << 1 << reasons({});
    QTest::newRow("signed-far-future")
        << "signed-far-future" << 0 << reasons({Rejection::ClockSkew});
    QTest::newRow("signed-wrong-key")
        << "signed-wrong-key" << 0 << reasons({Rejection::BadSignature});
    QTest::newRow("unsigned-from-keyed-device")
        << "unsigned-from-keyed-device" << 0 << reasons({Rejection::Unsigned});
    QTest::newRow("garbage-between") << "garbage-between" << 2 << reasons({Rejection::Malformed});
}

// fuzz_ingest's seed corpus (tests/fuzz/make-seeds.py signs with Python's
// hmac, independently of libcrypto) reaches the branches its names say, at
// the target's key and time: were a seed refused for another reason, the
// fuzzer would start from less than it seems.
void TestSecurity::fuzzSeedsMeanWhatTheySay()
{
    QFETCH(QString, seed);
    QFETCH(int, accepted);
    QFETCH(QList<int>, rejections);
    QString error;
    const std::shared_ptr<const KeyStore> keys = fuzzKeys(m_dir.path(), &error);
    QVERIFY2(keys, qPrintable(error));
    QFile file(QStringLiteral(DMR_TEST_DATA "/../fuzz/corpus/ingest/") + seed);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));

    FuzzConsole console(keys);
    const DatagramBatch batch = ingestInput(file.readAll());
    console.ingest.ingest(batch);
    const IngestCounters &counters = console.counters;
    QCOMPARE(counters.received.load(), quint64(batch.size()));
    QCOMPARE(counters.accepted.load(), quint64(accepted));
    QCOMPARE(console.queue.size(), std::size_t(accepted));
    for (int reason = 0; reason < int(Rejection::Count); ++reason)
        QCOMPARE(counters.rejectedFor(Rejection(reason)), quint64(rejections.count(reason)));
}

QTEST_GUILESS_MAIN(TestSecurity)
#include "tst_security.moc"
