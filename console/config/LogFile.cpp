// SPDX-License-Identifier: MIT
#include "config/LogFile.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QMutexLocker>
#include <cstdio>

namespace dmr::console {

namespace {

LogFile *g_installed = nullptr;
QtMessageHandler g_previous = nullptr; // restored when the installed LogFile goes

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (g_installed)
        g_installed->write(type, context, message);
}

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "critical";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

} // namespace

LogFile::LogFile(Options options)
    : m_options(std::move(options))
{
    if (m_options.path.isEmpty() || m_options.path == QLatin1String("-"))
        return;
    QDir().mkpath(QFileInfo(m_options.path).absolutePath());
    m_file.setFileName(m_options.path);
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text))
        std::fprintf(stderr, "metrics-console: cannot open log file %s: %s; logging to stderr\n",
            qPrintable(m_options.path), qPrintable(m_file.errorString()));
}

LogFile::~LogFile()
{
    if (g_installed == this) {
        qInstallMessageHandler(g_previous);
        g_installed = nullptr;
        g_previous = nullptr;
    }
}

void LogFile::install()
{
    const QtMessageHandler previous = qInstallMessageHandler(handler);
    if (!g_installed)
        g_previous = previous;
    g_installed = this;
}

bool LogFile::underSystemd()
{
    return qEnvironmentVariableIsSet("INVOCATION_ID")
        || qEnvironmentVariableIsSet("JOURNAL_STREAM");
}

QString LogFile::defaultPath()
{
    return underSystemd() ? QStringLiteral("-") : QStringLiteral(".log/metrics.log");
}

void LogFile::write(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QByteArray category = context.category ? QByteArray(context.category) : QByteArray();
    QByteArray line;
    if (!underSystemd() || m_file.isOpen())
        line += QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toUtf8() + ' ';
    line += "metrics-console " + QByteArray(levelName(type)) + ' ';
    if (!category.isEmpty() && category != "default")
        line += category + ": ";
    line += message.toUtf8() + '\n';

    QMutexLocker lock(&m_mutex);
    if (m_file.isOpen()) {
        m_file.write(line);
        m_file.flush();
        if (m_file.size() > m_options.maxBytes)
            rotate();
        if (type >= QtWarningMsg && type != QtInfoMsg && m_options.echoWarningsToStderr)
            std::fputs(line.constData(), stderr);
    } else {
        std::fputs(line.constData(), stderr);
    }
}

void LogFile::rotate()
{
    m_file.close();
    const QString base = m_options.path;
    if (m_options.keep < 1) {
        // No old files wanted: start the log afresh.
        m_file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text);
        return;
    }
    QFile::remove(base + QLatin1Char('.') + QString::number(m_options.keep));
    for (int i = m_options.keep - 1; i >= 1; --i)
        QFile::rename(base + QLatin1Char('.') + QString::number(i),
            base + QLatin1Char('.') + QString::number(i + 1));
    QFile::rename(base, base + QStringLiteral(".1"));
    m_file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text);
}

} // namespace dmr::console
