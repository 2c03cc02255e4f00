// SPDX-License-Identifier: MIT
#pragma once

#include "ingest/Datagram.h"

#include <QHostAddress>
#include <QObject>
#include <atomic>
#include <vector>

class QSocketNotifier;

namespace dmr::console {

// Owns the UDP socket. Lives on its own thread (moved there before start());
// drains the socket with recvmmsg() in batches and hands each batch on with
// datagramsReceived(). Does not look inside the datagrams.
class UdpReceiver : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QHostAddress bind = QHostAddress::Any;
        quint16 port = 47800;
        int receiveBufferBytes = 8 * 1024 * 1024;
        // SO_REUSEPORT: several processes bind the same port and the kernel
        // gives each sender (by its source address and port) to one of them.
        // Every socket on the port must set it.
        bool reusePort = false;
    };

    explicit UdpReceiver(Options options, QObject *parent = nullptr);
    ~UdpReceiver() override;

    // The port actually bound (useful with port 0); 0 before start(). Thread-safe.
    quint16 boundPort() const { return m_boundPort.load(); }
    quint64 receivedCount() const { return m_received.load(); }

    // Creates and binds the socket; call on the receiver's thread.
    bool open(QString *error);
    void stop();

public slots:
    // Sends datagrams (acknowledgements) from the receiving socket, so they
    // come from the address and port agents send to. Best effort: a full
    // socket buffer drops them (they are repeated).
    void send(const DatagramBatch &datagrams);

signals:
    void datagramsReceived(const DatagramBatch &batch);

private:
    void drain();

    Options m_options;
    int m_fd = -1;
    QSocketNotifier *m_notifier = nullptr;
    std::atomic<quint16> m_boundPort {0};
    std::atomic<quint64> m_received {0};
    bool m_v6 = false;
    std::vector<char> m_buffers;
};

} // namespace dmr::console
