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

typedef enum ash_input_kind {
  ASH_INPUT_PLAIN,      /* one member, mapped whole */
  ASH_INPUT_COMPRESSED, /* one member, decompressed as a stream */
  ASH_INPUT_CONTAINER   /* zip/tar: many members, each read whole */
} ash_input_kind;

/* Open a file. *out is set on success; caller frees with ash_input_close. */
int ash_input_open(ash_input **out, const char *path);
void ash_input_close(ash_input *in);
ash_input_kind ash_input_kind_of(const ash_input *in);
/* Size of the file on disk. */
uint64_t ash_input_file_size(const ash_input *in);
/* Modification time of the file on disk (the container's, for a member) in
 * nanoseconds since 1970, as it was when the file was opened. */
int64_t ash_input_file_mtime_ns(const ash_input *in);
/* SHA-256 (hex) of the file on disk, computed on first call (or waited
 * for, after ash_input_file_sha256_start). */
int ash_input_file_sha256(ash_input *in, char hex[65]);
/* Start hashing a plain file on a thread of its own while the caller reads
 * it (the hasher stays a few MiB ahead of ash_input_release, so the file is
 * read from memory once); a no-op for other kinds. */
int ash_input_file_sha256_start(ash_input *in);

/* Advance to the next member. Sets *name to the member's display path
 * ("dir/x.log", or "dir/a.zip!inner/x.log" inside a container), borrowed
 * until the next call. Returns ASH_OK, ASH_ENOTFOUND after the last member,
 * or an error for a member that cannot be read (then *name and *reason say
 * which and why, and the next call moves past it). */
int ash_input_next(ash_input *in, const char **name, const char **reason);

/* The current member as one buffer: the mapped file, or the member read
 * into memory (up to ASH_MAX_MEMBER_BYTES). Borrowed until the next member
 * or close. */
int ash_input_whole(ash_input *in, const uint8_t **p, size_t *n);
/* The current member's next piece; *n == 0 at the end. Borrowed until the
 * next call. */
int ash_input_read(ash_input *in, const uint8_t **p, size_t *n);

/* The caller is done with bytes [0, upto) of a plain (mapped) member: their
 * pages may leave memory (they are read again if touched), so that
 * ingesting a file larger than RAM keeps a small resident set. */
void ash_input_release(ash_input *in, uint64_t upto);

/* Bytes of the file on disk consumed so far (for progress on compressed
 * input, whose decompressed size is not known in advance). */
uint64_t ash_input_file_pos(const ash_input *in);

/* SHA-256 of a buffer as 64 hex digits + NUL. */
void ash_sha256_hex(const void *p, size_t n, char hex[65]);

#endif
