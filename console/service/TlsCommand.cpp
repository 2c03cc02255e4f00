// SPDX-License-Identifier: MIT
#include "service/TlsCommand.h"

#include <QFile>
#include <QHostAddress>
#include <QSysInfo>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dmr::console {

namespace {

int usage()
{
    std::fputs("Usage: metrics-console tls selfsigned --cert PATH --key PATH [--host NAME]... "
               "[--days N] [--force]\n"
               "Makes a self-signed certificate for --tls-cert and --tls-key (default hosts: "
               "this machine's name, localhost, 127.0.0.1, ::1).\n",
        stderr);
    return 2;
}

int fail(const QString &message)
{
    std::fprintf(stderr, "metrics-console tls: %s\n", qPrintable(message));
    return 1;
}

template<typename T, void (*Free)(T *)>
struct Deleter
{
    void operator()(T *p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

bool addExtension(X509 *certificate, int nid, const QByteArray &value)
{
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.constData());
    if (!extension)
        return false;
    const bool ok = X509_add_ext(certificate, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    return ok;
}

QByteArray pem(const std::function<int(BIO *)> &write)
{
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || write(bio.get()) != 1)
        return {};
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, int(size));
}

// Written whole or not at all, with `mode` from the start (no moment in
// which a key is readable by others).
bool writeFile(const QString &path, const QByteArray &data, mode_t mode, bool force, QString *error)
{
    const QByteArray name = QFile::encodeName(path);
    const int fd = ::open(
        name.constData(), O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), mode);
    if (fd < 0) {
        *error = errno == EEXIST
            ? QStringLiteral("%1 exists; keep it, or give --force to replace it").arg(path)
            : QStringLiteral("cannot write %1: %2")
                  .arg(path, QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    ::fchmod(fd, mode);
    const bool ok = ::write(fd, data.constData(), std::size_t(data.size())) == data.size();
    ::close(fd);
    if (!ok)
        *error = QStringLiteral("cannot write %1").arg(path);
    return ok;
}

} // namespace

int runTlsCommand(const QStringList &arguments)
{
    // arguments: program, "tls", "selfsigned", options...
    if (arguments.value(2) != QLatin1String("selfsigned"))
        return usage();
    QString certPath;
    QString keyPath;
    QStringList hosts;
    int days = 365;
    bool force = false;
    for (qsizetype i = 3; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        const QString value = arguments.value(i + 1);
        if (argument == QLatin1String("--force")) {
            force = true;
            continue;
        }
        if (value.isEmpty())
            return usage();
        ++i;
        if (argument == QLatin1String("--cert"))
            certPath = value;
        else if (argument == QLatin1String("--key"))
            keyPath = value;
        else if (argument == QLatin1String("--host"))
            hosts.append(value);
        else if (argument == QLatin1String("--days")) {
            bool ok = false;
            days = value.toInt(&ok);
            if (!ok || days < 1 || days > 3650)
                return fail(QStringLiteral("--days is 1 to 3650"));
        } else
            return usage();
    }
    if (certPath.isEmpty() || keyPath.isEmpty())
        return usage();
    if (hosts.isEmpty())
        hosts = {QSysInfo::machineHostName(), QStringLiteral("localhost"),
            QStringLiteral("127.0.0.1"), QStringLiteral("::1")};
    hosts.removeAll(QString());
    hosts.removeDuplicates();

    Key key(EVP_EC_gen("P-256"));
    Certificate certificate(X509_new());
    if (!key || !certificate)
        return fail(QStringLiteral("OpenSSL cannot make a key"));
    X509 *x = certificate.get();
    X509_set_version(x, 2); // v3
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f; // positive
    BIGNUM *number = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(number, X509_get_serialNumber(x));
    BN_free(number);
    X509_gmtime_adj(X509_getm_notBefore(x), -300); // a clock a little behind still takes it
    X509_gmtime_adj(X509_getm_notAfter(x), long(days) * 86400);
    X509_set_pubkey(x, key.get());
    X509_NAME *subject = X509_get_subject_name(x);
    const QByteArray commonName = hosts.first().left(64).toUtf8();
    X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
        reinterpret_cast<const unsigned char *>("Device Metrics Reporter"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
        reinterpret_cast<const unsigned char *>(commonName.constData()), -1, -1, 0);
    X509_set_issuer_name(x, subject);
    QStringList names;
    QStringList permitted;
    for (const QString &host : hosts) {
        const QHostAddress address(host);
        if (address.isNull()) {
            names.append(QStringLiteral("DNS:") + host);
            permitted.append(QStringLiteral("permitted;DNS:") + host);
        } else {
            names.append(QStringLiteral("IP:") + host);
            const bool v4 = address.protocol() == QAbstractSocket::IPv4Protocol;
            permitted.append(
                QStringLiteral("permitted;IP:%1/%2")
                    .arg(address.toString(),
                        v4 ? QStringLiteral("255.255.255.255")
                           : QStringLiteral("FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF")));
        }
    }
    // Its own issuer, so that a client given it as the one trusted
    // certificate (curl --cacert, Python's ssl, Qt) can build the chain
    // without partial-chain tricks. Whoever trusts it system-wide trusts no
    // more than these hosts: the name constraints hold anything its key
    // might sign to them (pathlen:0 forbids intermediate CAs).
    if (!addExtension(x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0")
        || !addExtension(x, NID_key_usage, "critical,digitalSignature,keyCertSign")
        || !addExtension(
            x, NID_name_constraints, ("critical," + permitted.join(QLatin1Char(','))).toUtf8())
        || !addExtension(x, NID_ext_key_usage, "serverAuth")
        || !addExtension(x, NID_subject_alt_name, names.join(QLatin1Char(',')).toUtf8())
        || !addExtension(x, NID_subject_key_identifier, "hash"))
        return fail(
            QStringLiteral("a host name is not valid: %1").arg(hosts.join(QStringLiteral(", "))));
    if (X509_sign(x, key.get(), EVP_sha256()) == 0)
        return fail(QStringLiteral("OpenSSL cannot sign the certificate"));

    const QByteArray keyPem = pem([&key](BIO *bio) {
        return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
    const QByteArray certPem = pem([x](BIO *bio) { return PEM_write_bio_X509(bio, x); });
    QString error;
    if (keyPem.isEmpty() || certPem.isEmpty())
        return fail(QStringLiteral("OpenSSL cannot write PEM"));
    if (!writeFile(keyPath, keyPem, 0600, force, &error)
        || !writeFile(certPath, certPem, 0644, force, &error))
        return fail(error);
    std::fprintf(stderr,
        "Self-signed certificate for %s, valid %d days: %s (key %s, mode 0600).\n"
        "Start the console with --tls-cert %s --tls-key %s; clients trust it with, e.g., "
        "curl --cacert %s.\n",
        qPrintable(hosts.join(QStringLiteral(", "))), days, qPrintable(certPath),
        qPrintable(keyPath), qPrintable(certPath), qPrintable(keyPath), qPrintable(certPath));
    return 0;
}

} // namespace dmr::console
