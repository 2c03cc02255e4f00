// SPDX-License-Identifier: MIT
#pragma once

#include <QFile>
#include <QMutex>
#include <QString>

namespace dmr::console {

// Where the console's log lines go: a size-rotated file when run by hand
// (.log/metrics.log, as users of the old design expect), stderr under systemd
// so that journald keeps them. Installed once, as Qt's message handler.
class LogFile
{
public:
    struct Options
    {
        QString path; // empty or "-": stderr only
        qint64 maxBytes = 5 * 1024 * 1024; // rotate past this size
        int keep = 3; // metrics.log.1 .. metrics.log.N
        bool echoWarningsToStderr = true; // so a user at a terminal sees trouble
    };

    explicit LogFile(Options options);
    ~LogFile();

    // Routes qDebug/qInfo/qWarning/... of the whole process to this log.
    void install();

    // The path used when no --log-file is given: stderr under systemd, else
    // .log/metrics.log in the working directory.
    static QString defaultPath();
    static bool underSystemd();

    void write(QtMsgType type, const QMessageLogContext &context, const QString &message);

private:
    void rotate();

    Options m_options;
    QMutex m_mutex;
    QFile m_file;
};

} // namespace dmr::console
