// SPDX-License-Identifier: MIT
#pragma once

#include "support/ChildProcess.h"

#include <QRegularExpression>

// A real metrics-console process for end-to-end tests: headless on
// 127.0.0.1, free UDP and HTTP ports, no .env, logging to its output.
class ConsoleProcess : public ChildProcess
{
public:
    // terminateMs: how long a SIGTERM may take, the queue written first.
    explicit ConsoleProcess(QString db, int terminateMs = 20000)
        : ChildProcess(terminateMs)
        , m_db(std::move(db))
    { }

    // Starts it and waits until it receives (it logs its UDP port, 0 with
    // --receive off); false if it exits or says nothing within 5 s.
    bool start(const QStringList &extra = {})
    {
        m_udpPort = m_httpPort = 0;
        if (!launch(QStringLiteral(DMR_BINARY_DIR "/console/metrics-console"),
                QStringList {QStringLiteral("--headless"), QStringLiteral("--bind"),
                    QStringLiteral("127.0.0.1"), QStringLiteral("--udp-port"), QStringLiteral("0"),
                    QStringLiteral("--http-port"), QStringLiteral("0"), QStringLiteral("--db"),
                    m_db, QStringLiteral("--log-file"), QStringLiteral("-"),
                    QStringLiteral("--env-file"), QStringLiteral("/dev/null")}
                    + extra))
            return false;
        static const QRegularExpression udpLine(QStringLiteral("UDP port (\\d+)"));
        static const QRegularExpression httpLine(QStringLiteral("http://127\\.0\\.0\\.1:(\\d+)/"));
        // "UDP port 0" with --receive off: started, receiving nothing.
        bool started = false;
        for (int i = 0; i < 200 && !started; ++i) {
            m_process.waitForReadyRead(25);
            const QString text = QString::fromUtf8(log());
            if (const auto match = udpLine.match(text); match.hasMatch()) {
                m_udpPort = quint16(match.captured(1).toUInt());
                started = true;
            }
            if (const auto match = httpLine.match(text); match.hasMatch())
                m_httpPort = quint16(match.captured(1).toUInt());
            if (m_process.state() == QProcess::NotRunning)
                break;
        }
        return started;
    }

    quint16 udpPort() const { return m_udpPort; }
    quint16 httpPort() const { return m_httpPort; }

private:
    QString m_db;
    quint16 m_udpPort = 0;
    quint16 m_httpPort = 0;
};
