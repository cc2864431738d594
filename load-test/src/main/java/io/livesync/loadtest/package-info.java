/**
 * The load generator. {@link io.livesync.loadtest.Main} parses the command line and runs one
 * scenario; connections ({@code Client}, {@code Writer}) are confined to their Vert.x event
 * loop (one per core), counters and recorders ({@code Stats}) are written from every loop and
 * read by the main thread, which also paces the timeline and writes the reports.
 */
package io.livesync.loadtest;
