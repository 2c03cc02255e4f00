// SPDX-License-Identifier: MIT
// A server's TLS set-up from the files an operator gives: what
// `metrics-console tls selfsigned` makes, an RSA pair from openssl, and
// every way the files can be wrong, each named.
#include "http/TlsFiles.h"

#include <QFile>
#include <QProcess>
#include <QSslKey>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace dmr::console;

class TestTlsFiles : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void loadsTheSelfSignedPair();
    void loadsAnRsaPair();
    void refusals_data();
    void refusals();

private:
    QString path(const QString &name) const { return m_dir.filePath(name); }
    QTemporaryDir m_dir;
};

void TestTlsFiles::initTestCase()
{
    QProcess make;
    make.start(QStringLiteral(DMR_BINARY_DIR "/console/metrics-console"),
        {QStringLiteral("tls"), QStringLiteral("selfsigned"), QStringLiteral("--cert"),
            path(QStringLiteral("cert.pem")), QStringLiteral("--key"),
            path(QStringLiteral("key.pem")), QStringLiteral("--host"),
            QStringLiteral("metrics.lan"), QStringLiteral("--host"), QStringLiteral("192.0.2.10"),
            QStringLiteral("--days"), QStringLiteral("30")});
    QVERIFY(make.waitForFinished(30000));
    QVERIFY2(make.exitCode() == 0, make.readAllStandardError());
    // Kept, not overwritten, unless asked.
    QProcess again;
    again.start(QStringLiteral(DMR_BINARY_DIR "/console/metrics-console"),
        {QStringLiteral("tls"), QStringLiteral("selfsigned"), QStringLiteral("--cert"),
            path(QStringLiteral("cert.pem")), QStringLiteral("--key"),
            path(QStringLiteral("key.pem"))});
    QVERIFY(again.waitForFinished(30000));
    QCOMPARE(again.exitCode(), 1);
    QVERIFY(again.readAllStandardError().contains("--force"));
}

void TestTlsFiles::loadsTheSelfSignedPair()
{
    QString error;
    const std::optional<QSslConfiguration> tls
        = TlsFiles::load(path(QStringLiteral("cert.pem")), path(QStringLiteral("key.pem")), &error);
    QVERIFY2(tls, qPrintable(error));
    const QSslCertificate certificate = tls->localCertificate();
    QCOMPARE(certificate.subjectInfo(QSslCertificate::CommonName),
        QStringList {QStringLiteral("metrics.lan")});
    const auto names = certificate.subjectAlternativeNames();
    QVERIFY(names.values(QSsl::DnsEntry).contains(QStringLiteral("metrics.lan")));
    QVERIFY(names.values(QSsl::IpAddressEntry).contains(QStringLiteral("192.0.2.10")));
    QVERIFY(certificate.isSelfSigned());
    const qint64 days = certificate.effectiveDate().daysTo(certificate.expiryDate());
    QVERIFY2(days >= 30 && days <= 31, qPrintable(QString::number(days)));
    QCOMPARE(tls->privateKey().algorithm(), QSsl::Ec);
    QCOMPARE(tls->protocol(), QSsl::TlsV1_2OrLater);
    QCOMPARE(QFile(path(QStringLiteral("key.pem"))).permissions()
            & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteOther),
        QFileDevice::Permissions());
}

void TestTlsFiles::loadsAnRsaPair()
{
    const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    QVERIFY2(!openssl.isEmpty(), "openssl is needed (installers/debian-packages.txt)");
    QProcess make;
    make.start(openssl,
        {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
            QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-subj"),
            QStringLiteral("/CN=rsa.lan"), QStringLiteral("-days"), QStringLiteral("2"),
            QStringLiteral("-keyout"), path(QStringLiteral("rsa-key.pem")), QStringLiteral("-out"),
            path(QStringLiteral("rsa-cert.pem"))});
    QVERIFY(make.waitForFinished(60000));
    QVERIFY2(make.exitCode() == 0, make.readAllStandardError());
    QString error;
    const std::optional<QSslConfiguration> tls = TlsFiles::load(
        path(QStringLiteral("rsa-cert.pem")), path(QStringLiteral("rsa-key.pem")), &error);
    QVERIFY2(tls, qPrintable(error));
    QCOMPARE(tls->privateKey().algorithm(), QSsl::Rsa);
}

void TestTlsFiles::refusals_data()
{
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("says");
    QTest::newRow("no certificate") << QStringLiteral("missing.pem") << QStringLiteral("key.pem")
                                    << QStringLiteral("cannot read the TLS certificate");
    QTest::newRow("not a certificate") << QStringLiteral("key.pem") << QStringLiteral("key.pem")
                                       << QStringLiteral("holds no PEM certificate");
    QTest::newRow("no key") << QStringLiteral("cert.pem") << QStringLiteral("missing.pem")
                            << QStringLiteral("cannot read the TLS key");
    QTest::newRow("not a key") << QStringLiteral("cert.pem") << QStringLiteral("cert.pem")
                               << QStringLiteral("holds no PEM private key");
}

void TestTlsFiles::refusals()
{
    QFETCH(QString, certificate);
    QFETCH(QString, key);
    QFETCH(QString, says);
    QString error;
    QVERIFY(!TlsFiles::load(path(certificate), path(key), &error));
    QVERIFY2(error.contains(says), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestTlsFiles)
#include "tst_tlsfiles.moc"
