//! What the syscall analysis needs from one ELF image, parsed and nothing
//! more: its executable bytes, its function symbols, the libc functions it
//! imports, and (from the dynamic section) whether it is static or the C
//! library. What the code does with them is for the layers above.

use anyhow::{bail, Context, Result};
use object::{
    elf,
    read::elf::{ElfFile64, FileHeader, ProgramHeader, SectionHeader as _, Sym as _, SymbolTable},
    Endianness, Object, ObjectSection, ObjectSymbol, SectionFlags,
};

use super::tables::Arch;

/// Executable bytes at a virtual address.
pub(crate) struct Region<'data> {
    pub(crate) addr: u64,
    pub(crate) bytes: &'data [u8],
}

impl Region<'_> {
    pub(crate) fn end(&self) -> u64 {
        self.addr + self.bytes.len() as u64
    }

    pub(crate) fn contains(&self, addr: u64) -> bool {
        addr >= self.addr && addr < self.end()
    }

    /// The bytes from address `from` up to `to`, as far as the region holds them.
    pub(crate) fn between(&self, from: u64, to: u64) -> &[u8] {
        let offset = |a: u64| (a.saturating_sub(self.addr) as usize).min(self.bytes.len());
        &self.bytes[offset(from)..offset(to).max(offset(from))]
    }
}

/// One ELF image, parsed as far as the syscall analysis needs.
pub(crate) struct Image<'data> {
    pub(crate) file: ElfFile64<'data, Endianness>,
    pub(crate) arch: Arch,
    pub(crate) regions: Vec<Region<'data>>,
    /// No program interpreter and no needed libraries: libc is linked in.
    pub(crate) is_static: bool,
    /// The file is the C library itself (libc.so.6, ld.so, musl's libc.so).
    pub(crate) is_libc: bool,
    /// The relocations the loader applies as relative whatever their type,
    /// first in their table: (address of the DT_RELA table, count), then
    /// the same for DT_REL.
    pub(crate) relative_first: [(u64, u64); 2],
}

impl<'data> Image<'data> {
    /// Parses `data`; `Ok(None)` for ELF files of other classes or machines.
    pub(crate) fn parse(data: &'data [u8]) -> Result<Option<Image<'data>>> {
        if data.get(..4) != Some(&elf::ELFMAG[..]) {
            bail!("not an ELF file");
        }
        if data.get(4) != Some(&elf::ELFCLASS64.0) {
            return Ok(None);
        }
        let file = ElfFile64::<Endianness>::parse(data).context("malformed ELF")?;
        let arch = match Arch::of_elf(file.elf_header().e_machine(file.endian()).0, 64, file.is_little_endian()) {
            Some(arch @ (Arch::X86_64 | Arch::Aarch64)) => arch,
            _ => return Ok(None),
        };
        let endian = file.endian();
        let mut regions = Vec::new();
        for section in file.sections() {
            if let SectionFlags::Elf { sh_flags, .. } = section.flags() {
                if sh_flags.contains(elf::SHF_EXECINSTR) && section.kind() != object::SectionKind::UninitializedData {
                    if let Ok(bytes) = section.data() {
                        regions.push(Region { addr: section.address(), bytes });
                    }
                }
            }
        }
        let headers = file.elf_program_headers();
        if regions.is_empty() {
            // No section headers (stripped hard): the executable segments.
            for ph in headers {
                if ph.p_type(endian) == elf::PT_LOAD && ph.p_flags(endian).contains(elf::PF_X) {
                    if let Ok(bytes) = ph.data(endian, data) {
                        regions.push(Region { addr: ph.p_vaddr(endian), bytes });
                    }
                }
            }
        }
        // Addresses a real image can have: no arithmetic on them overflows.
        regions.retain(|r| r.addr.checked_add(r.bytes.len() as u64).is_some_and(|end| end < 1 << 60));
        let has_interp = headers.iter().any(|ph| ph.p_type(endian) == elf::PT_INTERP);
        let dynamic = dynamic_strings(&file);
        let is_exec = file.elf_header().e_type(endian) == elf::ET_EXEC || !has_interp && dynamic.soname.is_none();
        let is_static = !has_interp && dynamic.needed == 0 && is_exec;
        let is_libc = dynamic.soname.as_deref().is_some_and(|s| {
            s.starts_with("libc.so")
                || s.starts_with("ld-linux")
                || s.starts_with("ld-musl")
                || s.starts_with("libc.musl")
        });
        let relative_first = [(dynamic.rela, dynamic.rela_count), (dynamic.rel, dynamic.rel_count)];
        Ok(Some(Image { file, arch, regions, is_static, is_libc, relative_first }))
    }

    /// The function symbols: those of the full symbol table when it has
    /// any, else those of the dynamic one.
    fn function_symbols(&self) -> FunctionSymbols<'data> {
        let endian = self.file.endian();
        let table = |symbols: &SymbolTable<'data, elf::FileHeader64<Endianness>>| FunctionSymbols {
            symbols: symbols.symbols(),
            strings: self.strings_of(symbols).unwrap_or_default(),
            endian,
        };
        let full = table(self.file.elf_symbol_table());
        if full.iter().next().is_some() {
            full
        } else {
            table(self.file.elf_dynamic_symbol_table())
        }
    }

    /// The bytes of the string table of `symbols`.
    pub(crate) fn strings_of(
        &self,
        symbols: &SymbolTable<'data, elf::FileHeader64<Endianness>>,
    ) -> Option<&'data [u8]> {
        let section = self.file.elf_section_table().section(symbols.string_section()).ok()?;
        section.data(self.file.endian(), self.file.data()).ok()
    }

    /// Start addresses of the functions named `name`, ascending, each once.
    pub(crate) fn function_starts(&self, name: &str) -> Vec<u64> {
        let symbols = self.function_symbols();
        let mut starts: Vec<u64> =
            symbols.iter().filter(|f| name_is(symbols.strings, f.name, name.as_bytes())).map(|f| f.start).collect();
        starts.sort_unstable();
        starts.dedup();
        starts
    }

    /// The function holding each of `addrs` (ascending, each once): the one
    /// with the latest start at or before it, unless its size says it ends
    /// before.
    ///
    /// One pass over the symbol table, with no copy or sort of it: a large
    /// library has hundreds of thousands of function symbols and a few
    /// candidate sites, and sorting every symbol by address cost more than
    /// the rest of the analysis of such a file. Each symbol falls in the gap
    /// between two addresses ([`Gaps`]); only the latest start of each gap,
    /// and the symbols at it, are kept. Names are read only for those.
    pub(crate) fn functions_holding(&self, addrs: Vec<u64>) -> Holders<'data> {
        let symbols = self.function_symbols();
        let gaps = Gaps::new(&addrs);
        // latest[g]: the latest start s with addrs[g - 1] < s <= addrs[g],
        // and every symbol at it: (size, name).
        type Latest = Option<(u64, Vec<(u64, u32)>)>;
        let mut latest: Vec<Latest> = vec![None; addrs.len()];
        for f in symbols.iter() {
            let Some(slot) = latest.get_mut(gaps.count_below(f.start)) else { continue };
            match slot {
                Some((start, aliases)) if *start == f.start => aliases.push((f.size, f.name)),
                Some((start, _)) if *start > f.start => {}
                _ => *slot = Some((f.start, vec![(f.size, f.name)])),
            }
        }
        // Starts rise from gap to gap: the latest start at or before
        // addrs[g] is the one of the last gap up to g that has one.
        let mut functions: Vec<Function<'data>> = Vec::new();
        let mut holder = Vec::with_capacity(addrs.len());
        for (slot, &addr) in latest.into_iter().zip(&addrs) {
            if let Some((start, aliases)) = slot {
                let size = aliases.iter().map(|a| a.0).max().unwrap_or(0);
                // Ordered by size, then name.
                let mut named: Vec<(u64, &str)> =
                    aliases.iter().filter_map(|&(size, at)| Some((size, symbols.name(at)?))).collect();
                named.sort_unstable();
                named.dedup();
                functions.push(Function { start, size, names: named.into_iter().map(|n| n.1).collect() });
            }
            let held = functions.last().is_some_and(|f| f.size == 0 || addr < f.start.saturating_add(f.size));
            holder.push(held.then(|| functions.len() - 1));
        }
        Holders { addrs, holder, functions }
    }

    /// The imports (undefined dynamic symbols, without version) for which
    /// `wanted` says yes, sorted and deduplicated. `wanted` sees the raw
    /// bytes of each name: only the names it accepts are checked as UTF-8.
    pub(crate) fn imports(&self, wanted: impl Fn(&[u8]) -> bool) -> Vec<&'data str> {
        let mut out: Vec<&str> = self
            .file
            .dynamic_symbols()
            .filter(|s| s.is_undefined())
            .filter_map(|s| s.name_bytes().ok())
            .filter(|n| !n.is_empty() && wanted(n))
            .filter_map(|n| std::str::from_utf8(n).ok())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Whether the string at offset `at` of `strings` is `name`, compared in
/// place (without finding the end of every string first).
pub(crate) fn name_is(strings: &[u8], at: u32, name: &[u8]) -> bool {
    let at = at as usize;
    // The terminating NUL and the first byte first: they turn nearly every
    // name away without a call to the C library's memcmp.
    strings.get(at + name.len()) == Some(&0)
        && name.first().is_none_or(|first| strings.get(at) == Some(first))
        && strings.get(at..at + name.len()) == Some(name)
}

/// One function symbol: where it starts, its size and where its name is.
#[derive(Clone, Copy)]
struct FunctionSymbol {
    start: u64,
    size: u64,
    name: u32,
}

/// The function symbols of one table, read in place.
struct FunctionSymbols<'data> {
    symbols: &'data [elf::Sym64<Endianness>],
    strings: &'data [u8],
    endian: Endianness,
}

impl<'data> FunctionSymbols<'data> {
    /// Defined functions (and GNU indirect functions) at a non-zero address.
    fn iter(&self) -> impl Iterator<Item = FunctionSymbol> + '_ {
        let endian = self.endian;
        self.symbols
            .iter()
            .filter(move |s| {
                matches!(s.st_type(), elf::STT_FUNC | elf::STT_GNU_IFUNC)
                    && !matches!(s.st_shndx(endian), elf::SHN_UNDEF | elf::SHN_COMMON)
                    && s.st_value(endian) != 0
            })
            .map(move |s| FunctionSymbol {
                start: s.st_value(endian),
                size: s.st_size(endian),
                name: s.st_name(endian),
            })
    }

    /// The name at offset `at` of the strings, when it is UTF-8.
    fn name(&self, at: u32) -> Option<&'data str> {
        let rest = self.strings.get(at as usize..)?;
        let end = memchr::memchr(0, rest)?;
        std::str::from_utf8(&rest[..end]).ok()
    }
}

/// A function holding some address: its start, size (0 when unknown) and
/// every name given to that start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Function<'data> {
    pub(crate) start: u64,
    pub(crate) size: u64,
    pub(crate) names: Vec<&'data str>,
}

/// The functions holding a set of addresses ([`Image::functions_holding`]).
pub(crate) struct Holders<'data> {
    /// The addresses asked about, ascending.
    addrs: Vec<u64>,
    /// For each, the index of its function.
    holder: Vec<Option<usize>>,
    functions: Vec<Function<'data>>,
}

impl<'data> Holders<'data> {
    /// The function holding `addr`, one of the addresses asked about.
    pub(crate) fn of(&self, addr: u64) -> Option<&Function<'data>> {
        let i = self.addrs.binary_search(&addr).ok()?;
        self.functions.get(self.holder[i]?)
    }
}

/// Counts, for any address, the addresses of a sorted list below it,
/// without a binary search over the whole list: the list's span is cut
/// into a few times more buckets than it has addresses, each knowing how
/// many lie below it, so a count looks at a bucket and the one or two
/// addresses in it.
struct Gaps<'a> {
    addrs: &'a [u64],
    low: u64,
    shift: u32,
    /// For bucket b: how many addresses lie below `low + (b << shift)`; one more entry than buckets.
    below: Vec<u32>,
}

impl<'a> Gaps<'a> {
    fn new(addrs: &'a [u64]) -> Gaps<'a> {
        let (Some(&low), Some(&high)) = (addrs.first(), addrs.last()) else {
            return Gaps { addrs, low: 0, shift: 0, below: Vec::new() };
        };
        let buckets = (addrs.len() * 4).next_power_of_two().min(1 << 16) as u64;
        let span = high - low;
        let shift = (u64::BITS - (span / buckets).leading_zeros()).min(63);
        let count = (span >> shift) + 2;
        // In u128: the last edge may pass u64::MAX.
        let edge = |b: u64| u128::from(low) + (u128::from(b) << shift);
        let below = (0..count).map(|b| addrs.partition_point(|&a| u128::from(a) < edge(b)) as u32).collect();
        Gaps { addrs, low, shift, below }
    }

    /// How many of the addresses are below `addr`.
    fn count_below(&self, addr: u64) -> usize {
        if self.below.is_empty() || addr <= self.low {
            return 0;
        }
        let b = ((addr - self.low) >> self.shift) as usize;
        let (Some(&from), Some(&to)) = (self.below.get(b), self.below.get(b + 1)) else { return self.addrs.len() };
        let (from, to) = (from as usize, to as usize);
        from + self.addrs[from..to].partition_point(|&a| a < addr)
    }
}

/// What the dynamic section says about the image.
#[derive(Default)]
struct DynamicInfo {
    soname: Option<String>,
    needed: usize,
    /// DT_RELA and DT_RELACOUNT, DT_REL and DT_RELCOUNT (0 when absent).
    rela: u64,
    rela_count: u64,
    rel: u64,
    rel_count: u64,
}

fn dynamic_strings(file: &ElfFile64<Endianness>) -> DynamicInfo {
    let mut info = DynamicInfo::default();
    let endian = file.endian();
    if let Ok(table) = file.elf_dynamic_table() {
        for entry in &table {
            match entry.tag {
                elf::DT_NEEDED => info.needed += 1,
                elf::DT_SONAME => {
                    info.soname = table.string(entry).ok().map(|b| String::from_utf8_lossy(b).into_owned())
                }
                elf::DT_RELA => info.rela = entry.val,
                elf::DT_RELACOUNT => info.rela_count = entry.val,
                elf::DT_REL => info.rel = entry.val,
                elf::DT_RELCOUNT => info.rel_count = entry.val,
                _ => {}
            }
        }
    }
    if file.elf_section_table().is_empty() {
        // Without section headers, count DT_NEEDED through PT_DYNAMIC.
        for ph in file.elf_program_headers() {
            if let Ok(Some(entries)) = ph.dynamic(endian, file.data()) {
                info.needed += entries.iter().filter(|e| e.d_tag.get(endian) == elf::DT_NEEDED).count();
            }
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use object::{ObjectSymbol, ObjectSymbolTable, SymbolKind};

    use super::*;

    /// Every function symbol as object reads it (the full table, else the
    /// dynamic one), sorted: (start, size, name).
    fn sorted_functions(image: &Image) -> Vec<(u64, u64, Option<String>)> {
        let collect = |table: Option<object::read::elf::ElfSymbolTable<'_, '_, elf::FileHeader64<Endianness>>>| {
            let Some(table) = table else { return Vec::new() };
            let text =
                table.symbols().filter(|s| s.kind() == SymbolKind::Text && !s.is_undefined() && s.address() != 0);
            text.map(|s| (s.address(), s.size(), s.name().ok().map(str::to_string))).collect::<Vec<_>>()
        };
        let mut list = collect(image.file.symbol_table());
        if list.is_empty() {
            list = collect(image.file.dynamic_symbol_table());
        }
        list.sort();
        list
    }

    /// The holder of `addr` in `sorted`: the latest start at or before it,
    /// with all its aliases and their largest size.
    fn by_sorting(sorted: &[(u64, u64, Option<String>)], addr: u64) -> Option<(u64, u64, Vec<String>)> {
        let end = sorted.partition_point(|f| f.0 <= addr);
        let start = sorted[..end].last()?.0;
        let same = &sorted[sorted.partition_point(|f| f.0 < start)..end];
        let size = same.iter().map(|f| f.1).max().unwrap_or(0);
        if size != 0 && addr >= start + size {
            return None;
        }
        let mut named: Vec<(u64, String)> = same.iter().filter_map(|f| Some((f.1, f.2.clone()?))).collect();
        named.sort();
        named.dedup();
        Some((start, size, named.into_iter().map(|n| n.1).collect()))
    }

    #[test]
    fn the_holder_of_an_address_is_the_one_a_sort_of_all_symbols_gives() {
        // This test program has a full symbol table; a system C library, where
        // there is one, only its dynamic one.
        let mut files = vec![std::env::current_exe().unwrap()];
        files.extend(["/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6"].map(PathBuf::from));
        let mut checked = 0;
        for path in files.iter().filter(|p| p.exists()) {
            let data = std::fs::read(path).unwrap();
            let Some(image) = Image::parse(&data).unwrap() else { continue };
            // Around the start and end of every function, and between.
            let symbols = image.function_symbols();
            let mut addrs: Vec<u64> = symbols
                .iter()
                .flat_map(|f| [f.start - 1, f.start, f.start + 1, f.start + f.size.max(1) - 1, f.start + f.size])
                .collect();
            addrs.sort_unstable();
            addrs.dedup();
            let sorted = sorted_functions(&image);
            let holders = image.functions_holding(addrs.clone());
            for &addr in &addrs {
                let found =
                    holders.of(addr).map(|f| (f.start, f.size, f.names.iter().map(|n| n.to_string()).collect()));
                assert_eq!(found, by_sorting(&sorted, addr), "{} at {addr:#x}", path.display());
            }
            assert!(holders.functions.iter().any(|f| !f.names.is_empty()), "{}", path.display());
            checked += 1;
        }
        assert!(checked >= 1);
        // Addresses not asked about have no holder.
        let data = std::fs::read(&files[0]).unwrap();
        let image = Image::parse(&data).unwrap().unwrap();
        assert!(image.functions_holding(Vec::new()).of(0x1000).is_none());
    }

    #[test]
    fn gaps_count_what_a_binary_search_counts() {
        let mut x = 5u64;
        let mut next = || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            x >> 11
        };
        for (len, spread) in [(0, 100), (1, 100), (7, 1 << 40), (300, 5000), (2000, 1 << 20), (40, u64::MAX >> 11)] {
            let mut addrs: Vec<u64> = (0..len).map(|_| next() % spread.max(1)).collect();
            // Clusters, and the ends of the address space.
            addrs.extend([0x1000, 0x1001, 0x1002].iter().take(len.min(3)));
            if len == 40 {
                addrs.extend([u64::MAX - 1, u64::MAX]);
            }
            addrs.sort_unstable();
            addrs.dedup();
            let gaps = Gaps::new(&addrs);
            let probes = addrs.iter().flat_map(|&a| [a.saturating_sub(1), a, a.saturating_add(1)]);
            for probe in probes.chain((0..500).map(|_| next() % spread.max(1))).chain([0, u64::MAX]) {
                assert_eq!(gaps.count_below(probe), addrs.partition_point(|&a| a < probe), "{len} {spread} {probe:#x}");
            }
        }
    }

    #[test]
    fn names_are_compared_in_place() {
        let strings = b"\0syscall\0syscalls\0sys";
        assert!(name_is(strings, 1, b"syscall"));
        assert!(!name_is(strings, 9, b"syscall"));
        assert!(!name_is(strings, 18, b"sys\0"));
        assert!(!name_is(strings, 18, b"sys"), "no terminating NUL");
        assert!(!name_is(strings, 100, b"x"));
        assert!(name_is(strings, 0, b""), "the empty name at the table's start");
        assert!(!name_is(strings, 1, b""));
    }
}
