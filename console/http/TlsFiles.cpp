// SPDX-License-Identifier: MIT
#include "http/TlsFiles.h"

#include "http/HttpLogging.h"

#include <QDateTime>
#include <QFile>
#include <QSslCertificate>
#include <QSslKey>

namespace dmr::console::TlsFiles {

std::optional<QSslConfiguration> load(
    const QString &certificatePath, const QString &keyPath, QString *error)
{
    QFile certFile(certificatePath);
    if (!certFile.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the TLS certificate %1: %2")
                     .arg(certificatePath, certFile.errorString());
        return std::nullopt;
    }
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certFile.readAll(), QSsl::Pem);
    if (chain.isEmpty()) {
        *error = QStringLiteral("%1 holds no PEM certificate").arg(certificatePath);
        return std::nullopt;
    }
    QFile keyFile(keyPath);
    if (!keyFile.open(QIODevice::ReadOnly)) {
        *error
            = QStringLiteral("cannot read the TLS key %1: %2").arg(keyPath, keyFile.errorString());
        return std::nullopt;
    }
    if (keyFile.permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup))
        qCWarning(lcHttp, "the TLS key %s is readable by others than its owner; chmod 600 it",
            qPrintable(keyPath));
    const QByteArray pem = keyFile.readAll();
    QSslKey key;
    for (QSsl::KeyAlgorithm algorithm : {QSsl::Ec, QSsl::Rsa}) {
        key = QSslKey(pem, algorithm, QSsl::Pem);
        if (!key.isNull())
            break;
    }
    if (key.isNull()) {
        *error
            = QStringLiteral("%1 holds no PEM private key (EC or RSA, not encrypted)").arg(keyPath);
        return std::nullopt;
    }
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    if (chain.first().expiryDate() < QDateTime::currentDateTimeUtc())
        qCWarning(lcHttp, "the TLS certificate %s expired on %s", qPrintable(certificatePath),
            qPrintable(chain.first().expiryDate().toString(Qt::ISODate)));
    return configuration;
}

} // namespace dmr::console::TlsFiles
