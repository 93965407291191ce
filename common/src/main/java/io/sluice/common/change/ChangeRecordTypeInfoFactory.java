package io.sluice.common.change;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** Gives {@link ChangeRecord} its own {@link ChangeRecordSerializer}. */
@Internal
public final class ChangeRecordTypeInfoFactory extends TypeInfoFactory<ChangeRecord> {
    @Override
    public TypeInformation<ChangeRecord> createTypeInfo(
            Type t, Map<String, TypeInformation<?>> genericParameters) {
        return ChangeRecordTypeInfo.INSTANCE;
    }

    /** Type information of change records. */
    public static final class ChangeRecordTypeInfo extends SerializerTypeInfo<ChangeRecord> {
        private static final long serialVersionUID = 1L;
        public static final ChangeRecordTypeInfo INSTANCE = new ChangeRecordTypeInfo();

        private ChangeRecordTypeInfo() {
            super(ChangeRecord.class, ChangeRecordSerializer.INSTANCE, false);
        }
    }
}
