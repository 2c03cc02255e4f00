// SPDX-License-Identifier: MIT
#include "SpillFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>
#include <sys/stat.h>
#include <unistd.h>

using dmr::agent::ResendBuffer;
using dmr::agent::SpillFile;

namespace {

const std::string kDevice = "5c0a9f2e1b7d4e3a8c6f0d2b4a1e9c7f";
constexpr std::uint32_t kRun = 0x1234abcd;

SpillFile::Header header(std::uint64_t nextSequence, const std::string &device = kDevice)
{
    SpillFile::Header h;
    h.deviceId = device;
    h.runId = kRun;
    h.nextSequence = nextSequence;
    return h;
}

// Sequences first..last, each with a payload of `size` bytes that names it.
SpillFile::Entries entries(std::uint64_t first, std::uint64_t last, std::size_t size = 190)
{
    SpillFile::Entries result;
    for (std::uint64_t s = first; s <= last; ++s) {
        std::string payload = "report " + std::to_string(s) + ' ';
        payload.resize(std::max(size, payload.size()), char('a' + s % 26));
        result.push_back({s, payload, 0});
    }
    return result;
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        && file.write(bytes) == bytes.size();
}

std::string_view view(const QByteArray &bytes)
{
    return std::string_view(bytes.constData(), std::size_t(bytes.size()));
}

} // namespace

class TestSpillFile : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void roundTrip_data()
    {
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("payloadSize");
        QTest::addColumn<int>("deviceIdLength");
        QTest::newRow("empty buffer") << 0 << 190 << 32;
        QTest::newRow("one report") << 1 << 190 << 32;
        // More than one 16 KiB write, so parts and the running checksum join up.
        QTest::newRow("an hour at 1 s") << 3600 << 200 << 32;
        QTest::newRow("largest payloads") << 50 << 1200 << 64;
        QTest::newRow("one-character id") << 3 << 1 << 1;
    }
    void roundTrip()
    {
        QFETCH(int, count);
        QFETCH(int, payloadSize);
        QFETCH(int, deviceIdLength);
        const std::string device(std::size_t(deviceIdLength), 'd');
        const SpillFile::Entries saved = entries(101, 100 + std::uint64_t(count), payloadSize);
        const SpillFile file(path("roundtrip.spill").toStdString());
        QCOMPARE(QString::fromStdString(file.save(header(5000, device), saved)), QString());

        const SpillFile::Loaded loaded = file.load(device, 100000);
        QVERIFY2(loaded.status == SpillFile::Status::Loaded, loaded.error.c_str());
        QCOMPARE(loaded.state.header.deviceId, device);
        QCOMPARE(loaded.state.header.runId, kRun);
        QCOMPARE(loaded.state.header.nextSequence, quint64(5000));
        QCOMPARE(loaded.dropped, std::size_t(0));
        QCOMPARE(loaded.state.entries.size(), saved.size());
        for (std::size_t i = 0; i < saved.size(); ++i) {
            QCOMPARE(loaded.state.entries[i].sequence, saved[i].sequence);
            QCOMPARE(loaded.state.entries[i].payload, saved[i].payload);
        }
        // What is on disk is exactly encode()'s bytes.
        QCOMPARE(view(readAll(path("roundtrip.spill"))),
            std::string_view(SpillFile::encode(header(5000, device), saved)));
    }

    void savedFileIsPrivateAndReplaced()
    {
        const QString name = path("private.spill");
        QVERIFY(writeAll(name, "an older file, readable by all"));
        QVERIFY(QFile::setPermissions(name,
            QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup
                | QFileDevice::ReadOther));
        const SpillFile file(name.toStdString());
        QCOMPARE(QString::fromStdString(file.save(header(11), entries(1, 10))), QString());
        struct stat status = {};
        QCOMPARE(::stat(QFile::encodeName(name).constData(), &status), 0);
        QCOMPARE(status.st_mode & 07777, mode_t(0600));
        QVERIFY(!QFile::exists(name + ".tmp"));
        QCOMPARE(file.load(kDevice, 100).state.entries.size(), std::size_t(10));
    }

    void truncatedFileIsRefused_data()
    {
        QTest::addColumn<int>("keep"); // bytes kept; negative: that many cut off the end
        QTest::newRow("empty") << 0;
        QTest::newRow("half the magic") << 5;
        QTest::newRow("version line only") << 12;
        QTest::newRow("inside the header") << 30;
        QTest::newRow("inside the first entry") << 80;
        QTest::newRow("inside the last entry") << -100;
        QTest::newRow("checksum cut short") << -2;
        QTest::newRow("checksum missing") << -4;
    }
    void truncatedFileIsRefused()
    {
        QFETCH(int, keep);
        const QByteArray whole
            = QByteArray::fromStdString(SpillFile::encode(header(11), entries(1, 10)));
        const QByteArray cut = whole.left(keep >= 0 ? keep : whole.size() + keep);
        const auto decoded = SpillFile::decode(view(cut));
        QVERIFY(!decoded.ok());
        qInfo("%s", decoded.error().c_str());

        const QString name = path("truncated.spill");
        QVERIFY(writeAll(name, cut));
        const SpillFile::Loaded loaded = SpillFile(name.toStdString()).load(kDevice, 100);
        QVERIFY(loaded.status == SpillFile::Status::Unusable);
        QVERIFY2(loaded.error.find(name.toStdString()) != std::string::npos, loaded.error.c_str());
    }

    void everyFlippedByteIsRefused()
    {
        const std::string whole = SpillFile::encode(header(4), entries(1, 3, 40));
        for (std::size_t i = 0; i < whole.size(); ++i) {
            for (const unsigned char mask : {0x01, 0x80, 0xff}) {
                std::string damaged = whole;
                damaged[i] = char(static_cast<unsigned char>(damaged[i]) ^ mask);
                QVERIFY2(!SpillFile::decode(damaged).ok(),
                    qPrintable(QStringLiteral("byte %1 ^ %2").arg(i).arg(mask)));
            }
        }
        QVERIFY(SpillFile::decode(whole).ok());
    }

    void otherDeviceIsRefused()
    {
        const SpillFile file(path("other.spill").toStdString());
        QCOMPARE(QString::fromStdString(file.save(header(11, "other-device"), entries(1, 10))),
            QString());
        const SpillFile::Loaded loaded = file.load(kDevice, 100);
        QVERIFY(loaded.status == SpillFile::Status::Unusable);
        QVERIFY2(loaded.error.find("other-device") != std::string::npos, loaded.error.c_str());
        QVERIFY(loaded.state.entries.empty());
    }

    void otherVersionIsRefused_data()
    {
        QTest::addColumn<QByteArray>("firstLine");
        QTest::addColumn<QString>("error");
        QTest::newRow("newer") << QByteArray("dmr-spill 2\n") << "format version '2'";
        QTest::newRow("zero") << QByteArray("dmr-spill 0\n") << "format version '0'";
        QTest::newRow("no number") << QByteArray("dmr-spill \n") << "format version ''";
        QTest::newRow("other magic") << QByteArray("dmr-spool 1\n") << "not a spill file";
        QTest::newRow("no newline") << QByteArray("dmr-spill 1") << "not a spill file";
        QTest::newRow("text file") << QByteArray("hello\nworld\n") << "not a spill file";
    }
    void otherVersionIsRefused()
    {
        QFETCH(QByteArray, firstLine);
        QFETCH(QString, error);
        // The rest is a valid version-1 body with a matching checksum: only
        // the version line is wrong.
        const std::string valid = SpillFile::encode(header(11), entries(1, 10));
        std::string bytes = firstLine.toStdString()
            + valid.substr(valid.find('\n') + 1, valid.size() - valid.find('\n') - 1 - 4);
        const std::uint32_t crc = SpillFile::crc32(bytes);
        for (int i = 0; i < 4; ++i)
            bytes += char((crc >> (8 * i)) & 0xff);
        const auto decoded = SpillFile::decode(bytes);
        QVERIFY(!decoded.ok());
        QVERIFY2(QString::fromStdString(decoded.error()).contains(error), decoded.error().c_str());
    }

    void missingFileIsNoError()
    {
        const SpillFile file(path("never-written.spill").toStdString());
        const SpillFile::Loaded loaded = file.load(kDevice, 100);
        QVERIFY(loaded.status == SpillFile::Status::Missing);
        QVERIFY(loaded.error.empty());
        QCOMPARE(QString::fromStdString(file.remove()), QString());
    }

    void unwritablePlaceFails_data()
    {
        QTest::addColumn<QString>("folder");
        QTest::addColumn<bool>("readOnly");
        QTest::newRow("missing folder") << "no/such/folder" << false;
        // Fails for root too, unlike the permission bits.
        QTest::newRow("folder is a file") << "plain-file" << false;
        QTest::newRow("read-only folder") << "readonly" << true;
    }
    void unwritablePlaceFails()
    {
        QFETCH(QString, folder);
        QFETCH(bool, readOnly);
        const QString dir = m_dir.filePath(folder);
        if (folder == QLatin1String("plain-file"))
            QVERIFY(writeAll(dir, "not a folder"));
        if (readOnly) {
            if (::geteuid() == 0)
                QSKIP("root writes into read-only folders");
            QVERIFY(QDir().mkpath(dir));
            QVERIFY(QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        }
        const SpillFile file((dir + "/agent.spill").toStdString());
        const std::string error = file.save(header(11), entries(1, 10));
        if (readOnly)
            QFile::setPermissions(
                dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        QVERIFY(!error.empty());
        QVERIFY2(error.find("agent.spill.tmp") != std::string::npos, error.c_str());
        QVERIFY(!QFile::exists(dir + "/agent.spill"));
        QVERIFY(!QFile::exists(dir + "/agent.spill.tmp"));
    }

    void loadKeepsTheNewestWithinCapacity_data()
    {
        QTest::addColumn<int>("capacity");
        QTest::addColumn<int>("first"); // the oldest sequence kept
        QTest::addColumn<int>("kept");
        QTest::newRow("room for all") << 100 << 1 << 10;
        QTest::newRow("exactly full") << 10 << 1 << 10;
        QTest::newRow("smaller buffer") << 3 << 8 << 3;
        QTest::newRow("no buffer") << 0 << 0 << 0;
    }
    void loadKeepsTheNewestWithinCapacity()
    {
        QFETCH(int, capacity);
        QFETCH(int, first);
        QFETCH(int, kept);
        const SpillFile file(path("capacity.spill").toStdString());
        QCOMPARE(QString::fromStdString(file.save(header(11), entries(1, 10))), QString());
        const SpillFile::Loaded loaded = file.load(kDevice, std::size_t(capacity));
        QVERIFY(loaded.status == SpillFile::Status::Loaded);
        QCOMPARE(loaded.state.entries.size(), std::size_t(kept));
        QCOMPARE(loaded.dropped, std::size_t(10 - kept));
        if (kept > 0) {
            QCOMPARE(loaded.state.entries.front().sequence, quint64(first));
            QCOMPARE(loaded.state.entries.back().sequence, quint64(10));
        }
        // The run goes on after the last sequence whatever was dropped.
        QCOMPARE(loaded.state.header.nextSequence, quint64(11));
    }

    void unusableFileIsSetAside()
    {
        const QString name = path("aside.spill");
        QVERIFY(writeAll(name, "dmr-spill 1\ngarbage"));
        const SpillFile file(name.toStdString());
        QVERIFY(file.load(kDevice, 100).status == SpillFile::Status::Unusable);
        QCOMPARE(QString::fromStdString(file.setAside()), QString());
        QVERIFY(!QFile::exists(name));
        QCOMPARE(readAll(name + ".bad"), QByteArray("dmr-spill 1\ngarbage"));
        QVERIFY(file.load(kDevice, 100).status == SpillFile::Status::Missing);
    }

    void folderIsNeitherReadNorMoved()
    {
        const QString name = path("a-folder");
        QVERIFY(QDir().mkpath(name));
        const SpillFile file(name.toStdString());
        const SpillFile::Loaded loaded = file.load(kDevice, 100);
        QVERIFY(loaded.status == SpillFile::Status::Unusable);
        QVERIFY2(
            loaded.error.find("not a regular file") != std::string::npos, loaded.error.c_str());
        QVERIFY(!file.setAside().empty());
        QVERIFY(QFileInfo(name).isDir());
        QVERIFY(!file.save(header(11), entries(1, 10)).empty());
        QVERIFY(QFileInfo(name).isDir());
    }

    void inconsistentEntriesAreRefused_data()
    {
        QTest::addColumn<QList<quint64>>("sequences");
        QTest::addColumn<quint64>("nextSequence");
        QTest::newRow("descending") << QList<quint64> {3, 2} << quint64(10);
        QTest::newRow("repeated") << QList<quint64> {2, 2} << quint64(10);
        QTest::newRow("at next sequence") << QList<quint64> {9, 10} << quint64(10);
        QTest::newRow("sequence 0") << QList<quint64> {0} << quint64(10);
        QTest::newRow("next sequence 0") << QList<quint64> {} << quint64(0);
    }
    void inconsistentEntriesAreRefused()
    {
        QFETCH(QList<quint64>, sequences);
        QFETCH(quint64, nextSequence);
        SpillFile::Entries list;
        for (quint64 sequence : sequences)
            list.push_back({sequence, "payload", 0});
        // A well-formed file with a valid checksum that no agent would write.
        QVERIFY(!SpillFile::decode(SpillFile::encode(header(nextSequence), list)).ok());
    }

    void crcIsZlibs()
    {
        QCOMPARE(SpillFile::crc32("123456789"), 0xcbf43926u);
        QCOMPARE(SpillFile::crc32("6789", SpillFile::crc32("12345")), 0xcbf43926u);
        QCOMPARE(SpillFile::crc32(""), 0u);
    }
};

QTEST_APPLESS_MAIN(TestSpillFile)
#include "tst_spillfile.moc"
