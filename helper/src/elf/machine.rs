//! ELF machine numbers and the architecture names distributions use.

use object::elf;

/// The architecture name for an `e_machine` and ELF class, as distributions
/// and profiles spell it ("x86_64", "aarch64", ...). Unknown machines give
/// "machine-N".
pub fn arch_name(machine: u16, bits: u8, little_endian: bool) -> String {
    let name = match (elf::Machine(machine), bits) {
        (elf::EM_X86_64, 64) => "x86_64",
        (elf::EM_X86_64, 32) => "x32",
        (elf::EM_386, _) => "i386",
        (elf::EM_AARCH64, _) => "aarch64",
        (elf::EM_ARM, _) => "arm",
        (elf::EM_RISCV, 64) => "riscv64",
        (elf::EM_RISCV, 32) => "riscv32",
        (elf::EM_PPC64, _) if little_endian => "ppc64le",
        (elf::EM_PPC64, _) => "ppc64",
        (elf::EM_PPC, _) => "ppc",
        (elf::EM_S390, _) => "s390x",
        (elf::EM_MIPS, 64) => "mips64",
        (elf::EM_MIPS, _) => "mips",
        (elf::EM_LOONGARCH, _) => "loongarch64",
        _ => return format!("machine-{machine}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_common_machines() {
        assert_eq!(arch_name(62, 64, true), "x86_64");
        assert_eq!(arch_name(183, 64, true), "aarch64");
        assert_eq!(arch_name(3, 32, true), "i386");
        assert_eq!(arch_name(21, 64, true), "ppc64le");
        assert_eq!(arch_name(21, 64, false), "ppc64");
        assert_eq!(arch_name(9999, 64, true), "machine-9999");
    }
}
