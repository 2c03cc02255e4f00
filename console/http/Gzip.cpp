// SPDX-License-Identifier: MIT
#include "http/Gzip.h"

#include <QList>
#include <zlib.h>

namespace dmr::console {

namespace Gzip {

QByteArray compress(const QByteArray &data)
{
    z_stream stream {};
    // 15 + 16: the largest window, with a gzip header and trailer.
    if (deflateInit2(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return {};
    QByteArray out(int(deflateBound(&stream, uLong(data.size()))), Qt::Uninitialized);
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    stream.avail_in = uInt(data.size());
    stream.next_out = reinterpret_cast<Bytef *>(out.data());
    stream.avail_out = uInt(out.size());
    const int status = deflate(&stream, Z_FINISH);
    deflateEnd(&stream);
    if (status != Z_STREAM_END)
        return {};
    out.truncate(int(stream.total_out));
    return out;
}

bool accepted(const QByteArray &acceptEncoding)
{
    for (const QByteArray &item : acceptEncoding.split(',')) {
        const QList<QByteArray> parts = item.split(';');
        const QByteArray coding = parts.first().trimmed().toLower();
        if (coding != "gzip" && coding != "*")
            continue;
        bool refused = false;
        for (qsizetype i = 1; i < parts.size(); ++i) {
            const QByteArray parameter = parts.at(i).trimmed();
            if (parameter.startsWith("q=") && parameter.mid(2).toDouble() == 0)
                refused = true;
        }
        return !refused;
    }
    return false;
}

} // namespace Gzip

} // namespace dmr::console
