-- SPDX-License-Identifier: MIT
-- wrk script for http-bench.sh: every connection waits WRK_DELAY_MS between
-- its requests, so C connections make about C * 1000 / WRK_DELAY_MS requests
-- a second instead of as many as the machine allows. With WRK_PATHS (a file
-- of request paths, one a line) the paths are taken in turn; otherwise wrk's
-- URL is requested.
local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "0")
local paths = {}
local next_path = 1

local path_file = os.getenv("WRK_PATHS")
if path_file then
    for line in io.lines(path_file) do
        if #line > 0 then
            paths[#paths + 1] = line
        end
    end
end

function request()
    if #paths == 0 then
        return wrk.format("GET")
    end
    local path = paths[next_path]
    next_path = next_path % #paths + 1
    return wrk.format("GET", path)
end

function delay()
    return delay_ms
end
