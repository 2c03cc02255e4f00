// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

namespace dmr::test {

// A laptop's hardware as a 0.2.0 agent reports it, every part present, in
// the wire's precision (hundredths, tenths of a degree).
inline dmr::HardwareSample sampleHardware()
{
    dmr::HardwareSample h;
    h.corePercents = {12.5, 99.75, 0, 100};
    h.temperatures = {{"coretemp/Package_id_0", 61.5}, {"acpitz", 44}, {"nvme/Composite", -3.2}};
    h.battery = dmr::BatterySample {14.25, dmr::BatteryState::Discharging};
    h.swapUsedKb = 1024;
    h.swapTotalKb = 2097148;
    h.diskIo = dmr::DiskIoSample {512, 2048, 37.5};
    h.fileSystems = {
        {"/", "ext4", 30044096, 18453120, 10088772, 1921360, 412345},
        {"/boot/efi", "vfat", 523248, 6220, 517028, 0, 0},
        {"/snap/core/1", "squashfs", 1000, 1000, 0, 10, 10},
    };
    h.processes = {{1234, "firefox", 142.5, 912345}, {1, "systemd", 0.25, 12000}};
    h.failedUnits = std::vector<std::string> {"foo.service", "bar.mount"};
    return h;
}

} // namespace dmr::test
