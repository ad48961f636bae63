/* ashiato: reading evidence. Files are opened read-only (O_NOATIME where
 * allowed) and never written. A path is a plain file, a gzip/zstd/bzip2/xz
 * compressed file, or a .zip/.tar container whose members are read one by
 * one. Directories are walked recursively in sorted order. */
#ifndef ASHIATO_STREAM_H
#define ASHIATO_STREAM_H

#include <stddef.h>
#include <stdint.h>

/* Call cb for every regular file under the given paths (files are passed
 * through; directories walked recursively, sorted, hidden files included).
 * Everything else found is reported through on_error (which may be NULL)
 * with an error code and why, a static English text, and the walk goes on:
 * a path that cannot be examined (dangling link, link loop, permission:
 * ASH_ENOTFOUND or ASH_EIO), a directory that cannot be listed (ASH_EIO)
 * or is deeper than ASH_MAX_DIR_DEPTH (ASH_ELIMIT), and what is not read
 * because it is not a regular file: FIFOs, devices, sockets, and symlinks
 * to directories, which are not followed (loops) (ASH_EFORMAT). A non-zero
 * return from cb stops the walk and is returned. */
int ash_walk(const char *path, int (*cb)(void *u, const char *file),
             void (*on_error)(void *u, const char *path, int err, const char *why), void *u);

typedef struct ash_input ash_input;

/* An input is a stack of layers over the file: none (a plain file), or
 * decompressions (gzip, bzip2, xz, zstd, done here so that a truncated
 * stream gives every byte that can be decoded) and archives (zip, tar,
 * through libarchive) nested up to ASH_MAX_ARCHIVE_DEPTH layers, a member
 * that is itself compressed or an archive being opened in turn:
 * "outer.zip!inner.tgz!app.log". Every member is read as a stream, never
 * held whole unless asked (ash_input_whole spills it to a temporary file),
 * so memory stays bounded whatever the archive. */
typedef enum ash_input_kind {
  ASH_INPUT_PLAIN,      /* the file itself is the one member */
  ASH_INPUT_COMPRESSED, /* the file is a compressed stream: one member */
  ASH_INPUT_CONTAINER   /* an archive was found: many members */
} ash_input_kind;

/* Open a file. *out is set on success; caller frees with ash_input_close. */
int ash_input_open(ash_input **out, const char *path);
void ash_input_close(ash_input *in);
/* What the input turned out to be so far (a .tar.gz is COMPRESSED until its
 * first member shows the tar inside). */
ash_input_kind ash_input_kind_of(const ash_input *in);
/* Size of the file on disk (when opened). */
uint64_t ash_input_file_size(const ash_input *in);
/* Modification time of the file on disk (the container's, for a member) in
 * nanoseconds since 1970, as it was when the file was opened. */
int64_t ash_input_file_mtime_ns(const ash_input *in);
/* SHA-256 (hex) of the file on disk, computed on first call (or waited
 * for, after ash_input_file_sha256_start), through a guarded mapping: a
 * file that shrinks meanwhile reads as zeros past its new end, and
 * ash_input_changed says so. */
int ash_input_file_sha256(ash_input *in, char hex[65]);
/* Start hashing a plain file on a thread of its own while the caller reads
 * it (the hasher stays a few MiB ahead of the caller's reads, so the file is
 * read from the disk once); a no-op for other kinds. */
int ash_input_file_sha256_start(ash_input *in);

/* Advance to the next member. Sets *name to the member's display path
 * ("dir/x.log", or "dir/a.zip!inner/x.log" inside a container, one "!" per
 * archive level), borrowed until the next call. Returns ASH_OK,
 * ASH_ENOTFOUND after the last member, or an error for a member that cannot
 * be read (encrypted, nested too deep, a damaged archive: then *name and
 * *reason say which and why, and the next call moves past it). */
int ash_input_next(ash_input *in, const char **name, const char **reason);

/* The first bytes of the current member (up to ASH_SNIFF_BYTES, fewer when
 * the member is shorter or its data broke off), for format detection.
 * Not consumed: ash_input_read and ash_input_whole still start at byte 0.
 * Borrowed until the next member or close. */
int ash_input_head(ash_input *in, const uint8_t **p, size_t *n);
/* The current member's next piece; *n == 0 at the end. Borrowed until the
 * next call. An error means the data broke off at ash_input_member_pos:
 * ash_input_why says why (a truncated or corrupt stream, a file that
 * changed while it was read, the compression-ratio cap); the bytes given
 * before it are good. */
int ash_input_read(ash_input *in, const uint8_t **p, size_t *n);
/* The current member as one buffer: the file mapped, or the member
 * decompressed into an unlinked temporary file (in $TMPDIR, else /var/tmp)
 * and mapped (up to ASH_MAX_MEMBER_BYTES). Call before any ash_input_read
 * of the member. Borrowed until the next member or close. Reads of a
 * mapping whose file shrank see zeros instead of killing the process
 * (SIGBUS), and ash_input_changed reports it. */
int ash_input_whole(ash_input *in, const uint8_t **p, size_t *n);

/* Up to cap bytes of a plain file from offset off (pread: nothing else is
 * read); *n == 0 past its end. ASH_EUSAGE for other kinds. */
int ash_input_read_at(ash_input *in, uint64_t off, uint8_t *buf, size_t cap, size_t *n);

/* Why the last call that failed failed (static or owned by in, until the
 * next call); NULL if none did. */
const char *ash_input_why(const ash_input *in);
/* Bytes of the current member given so far by ash_input_read. */
uint64_t ash_input_member_pos(const ash_input *in);
/* Decompressed size of the current member as its archive records it, or
 * UINT64_MAX when not known (plain and compressed files: use the file's). */
uint64_t ash_input_member_size(const ash_input *in);
/* SHA-256 (hex) of the bytes of the current archive member given by
 * ash_input_read so far (the whole member once it was read to its end);
 * for a plain or compressed file, use ash_input_file_sha256. */
int ash_input_member_sha256(ash_input *in, char hex[65]);
/* 1 when the file on disk changed while it was read: it is shorter than
 * when opened (a read stopped early, a mapped page was gone, or fstat says
 * so now); *why then describes it (owned by in, until close). A file that
 * only grew is not changed: what was there when opened was read. */
int ash_input_changed(ash_input *in, const char **why);

/* The caller is done with bytes [0, upto) of the buffer of ash_input_whole:
 * their pages may leave memory (they are read again if touched), so that a
 * member larger than RAM keeps a small resident set. */
void ash_input_release(ash_input *in, uint64_t upto);

/* Bytes of the file on disk read so far (for progress on compressed
 * input, whose decompressed size is not known in advance). */
uint64_t ash_input_file_pos(const ash_input *in);

/* SHA-256 of a buffer as 64 hex digits + NUL. */
void ash_sha256_hex(const void *p, size_t n, char hex[65]);

#endif
