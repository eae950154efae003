//! The architecture name of an ELF file's machine, from [`crate::arch`].

use crate::arch::Arch;

/// The architecture name for an `e_machine` and ELF class, as distributions
/// and profiles spell it ("x86_64", "aarch64", ...). Unknown machines give
/// "machine-N".
pub fn arch_name(machine: u16, bits: u8, little_endian: bool) -> String {
    match Arch::of_elf(machine, bits, little_endian) {
        Some(arch) => arch.name().to_string(),
        None => format!("machine-{machine}"),
    }
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
