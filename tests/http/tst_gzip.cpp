// SPDX-License-Identifier: MIT
// Gzip: what zlib's own inflate reads back, and Accept-Encoding parsing.
#include "http/Gzip.h"

#include <QTest>
#include <zlib.h>

using namespace dmr::console;

class TestGzip : public QObject
{
    Q_OBJECT
private slots:
    void roundTrip_data();
    void roundTrip();
    void accepted_data();
    void accepted();
};

namespace {

QByteArray gunzip(const QByteArray &data)
{
    z_stream stream {};
    if (inflateInit2(&stream, 15 + 16) != Z_OK)
        return {};
    QByteArray out;
    char buffer[16384];
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    stream.avail_in = uInt(data.size());
    int status = Z_OK;
    while (status == Z_OK) {
        stream.next_out = reinterpret_cast<Bytef *>(buffer);
        stream.avail_out = sizeof buffer;
        status = inflate(&stream, Z_NO_FLUSH);
        out.append(buffer, int(sizeof buffer - stream.avail_out));
    }
    inflateEnd(&stream);
    return status == Z_STREAM_END ? out : QByteArray("inflate failed");
}

} // namespace

void TestGzip::roundTrip_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("one byte") << QByteArray("x");
    QByteArray json;
    for (int i = 0; i < 5000; ++i)
        json += R"({"uuid":"d2f1","cpu_percent":)" + QByteArray::number(i % 100) + "},";
    QTest::newRow("a device list") << json;
    QByteArray noise(100000, Qt::Uninitialized);
    quint32 x = 1;
    for (char &c : noise)
        c = char((x = x * 1103515245 + 12345) >> 24); // incompressible
    QTest::newRow("noise") << noise;
}

void TestGzip::roundTrip()
{
    QFETCH(QByteArray, data);
    const QByteArray compressed = Gzip::compress(data);
    QVERIFY(compressed.startsWith("\x1f\x8b"));
    QCOMPARE(gunzip(compressed), data);
}

void TestGzip::accepted_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<bool>("gzip");
    QTest::newRow("none") << QByteArray() << false;
    QTest::newRow("gzip") << QByteArray("gzip") << true;
    QTest::newRow("browser") << QByteArray("gzip, deflate, br, zstd") << true;
    QTest::newRow("case and spaces") << QByteArray(" deflate ,  GZIP ") << true;
    QTest::newRow("q value") << QByteArray("br;q=1.0, gzip;q=0.5") << true;
    QTest::newRow("refused") << QByteArray("gzip;q=0, br") << false;
    QTest::newRow("refused with decimals") << QByteArray("gzip; q=0.000") << false;
    QTest::newRow("wildcard") << QByteArray("*") << true;
    QTest::newRow("identity only") << QByteArray("identity") << false;
    QTest::newRow("x-gzip-ish name") << QByteArray("gzipped") << false;
}

void TestGzip::accepted()
{
    QFETCH(QByteArray, header);
    QFETCH(bool, gzip);
    QCOMPARE(Gzip::accepted(header), gzip);
}

QTEST_APPLESS_MAIN(TestGzip)
#include "tst_gzip.moc"
