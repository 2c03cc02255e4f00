// SPDX-License-Identifier: MIT
// ApiJson's hand-made time text says what QDateTime says, and its numbers
// read back as the same doubles.
#include "http/ApiJson.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

using namespace dmr::console;

class TestApiJson : public QObject
{
    Q_OBJECT
private slots:
    void timeText_data();
    void timeText();
    void timeTextMatchesQDateTimeEverywhere();
    void numbersRoundTrip_data();
    void numbersRoundTrip();
};

namespace {

QString reference(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

} // namespace

void TestApiJson::timeText_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::addColumn<QString>("text");
    QTest::newRow("epoch") << qint64(0) << "1970-01-01T00:00:00.000Z";
    QTest::newRow("a millisecond before") << qint64(-1) << "1969-12-31T23:59:59.999Z";
    QTest::newRow("now-ish") << qint64(1795000000123) << "2026-11-18T11:06:40.123Z";
    QTest::newRow("leap day") << qint64(951782400000) << "2000-02-29T00:00:00.000Z";
    QTest::newRow("end of 2099") << qint64(4102444799999) << "2099-12-31T23:59:59.999Z";
    QTest::newRow("1900 is no leap year") << qint64(-2203891200000) << "1900-03-01T00:00:00.000Z";
}

void TestApiJson::timeText()
{
    QFETCH(qint64, ms);
    QFETCH(QString, text);
    QCOMPARE(ApiJson::timeText(ms), text);
    QCOMPARE(reference(ms), text);
}

void TestApiJson::timeTextMatchesQDateTimeEverywhere()
{
    // Every day boundary from 1900 to 2200, and random instants between.
    for (qint64 day = -25567; day <= 84000; ++day) {
        const qint64 ms = day * 86400000;
        QCOMPARE(ApiJson::timeText(ms), reference(ms));
        QCOMPARE(ApiJson::timeText(ms + 86399999), reference(ms + 86399999));
    }
    QRandomGenerator random(7);
    for (int i = 0; i < 100000; ++i) {
        const qint64 ms = qint64(random.bounded(Q_INT64_C(9000000000000))) - 2000000000000;
        QCOMPARE(ApiJson::timeText(ms), reference(ms));
    }
}

void TestApiJson::numbersRoundTrip_data()
{
    QTest::addColumn<double>("value");
    for (double value : {0.0, 1.0, -1.5, 37.25, 0.1, 1e-9, 123456789012.0, 18446744073709551615.0,
             99.99, 1.0 / 3.0})
        QTest::addRow("%.17g", value) << value;
}

void TestApiJson::numbersRoundTrip()
{
    QFETCH(double, value);
    const QByteArray json = "[" + ApiJson::number(value) + "]";
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(document.array().first().toDouble(), value);
}

QTEST_APPLESS_MAIN(TestApiJson)
#include "tst_apijson.moc"
