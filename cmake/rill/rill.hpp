// The one header users include: the whole public API of rill (shared/API.md).
#pragma once
#include <rill/rdd/context.hpp>
#include <rill/rdd/hash_partitioner.hpp>
#include <rill/rdd/range_partitioner.hpp>
#include <rill/rdd/rdd.hpp>
// Operations of Rdd<T>, one file per operation family.
#include <rill/rdd/actions.hpp>
#include <rill/rdd/cartesian.hpp>
#include <rill/rdd/checkpoint_file.hpp>
#include <rill/rdd/coalesce.hpp>
#include <rill/rdd/cogroup.hpp>
#include <rill/rdd/combine_by_key.hpp>
#include <rill/rdd/count_by_value.hpp>
#include <rill/rdd/debug_string.hpp>
#include <rill/rdd/distinct.hpp>
#include <rill/rdd/filter.hpp>
#include <rill/rdd/flat_map.hpp>
#include <rill/rdd/group_by_key.hpp>
#include <rill/rdd/join.hpp>
#include <rill/rdd/map.hpp>
#include <rill/rdd/map_partitions.hpp>
#include <rill/rdd/partition_by.hpp>
#include <rill/rdd/repartition.hpp>
#include <rill/rdd/sample.hpp>
#include <rill/rdd/save_as_text_file.hpp>
#include <rill/rdd/sort_by_key.hpp>
#include <rill/rdd/take.hpp>
#include <rill/rdd/text_file.hpp>
#include <rill/rdd/union.hpp>
#include <rill/rdd/zip_with_index.hpp>
// Streaming: StreamingContext, DStream<T> and its operations, one file per family.
#include <rill/dstream/clock.hpp>
#include <rill/dstream/count.hpp>
#include <rill/dstream/count_by_window.hpp>
#include <rill/dstream/dstream.hpp>
#include <rill/dstream/event_stream.hpp>  // and windowed.hpp
#include <rill/dstream/event_time_window.hpp>
#include <rill/dstream/foreach_rdd.hpp>
#include <rill/dstream/map.hpp>
#include <rill/dstream/map_with_state.hpp>
#include <rill/dstream/pair_functions.hpp>
#include <rill/dstream/queue_stream.hpp>
#include <rill/dstream/receiver.hpp>
#include <rill/dstream/receiver_input_stream.hpp>
#include <rill/dstream/reduced_window.hpp>
#include <rill/dstream/state_spec.hpp>
#include <rill/dstream/streaming_context.hpp>
#include <rill/dstream/streaming_listener.hpp>
#include <rill/dstream/text_file_stream.hpp>
#include <rill/dstream/transform.hpp>
#include <rill/dstream/update_state_by_key.hpp>
#include <rill/dstream/watermark.hpp>
#include <rill/dstream/window.hpp>
// Sources, sinks and monitoring: socket_text_stream's options, the MQTT and JetStream
// sources, the SQLite and PostgreSQL sinks, the built-in listeners.
#include <rill/io/jetstream_direct_stream.hpp>
#include <rill/io/json_batch_listener.hpp>
#include <rill/io/mqtt_message.hpp>
#include <rill/io/mqtt_options.hpp>
#include <rill/io/postgres_sink.hpp>
#include <rill/io/progress_listener.hpp>
#include <rill/io/socket_options.hpp>
#include <rill/io/sqlite_sink.hpp>
#include <rill/io/web_ui.hpp>
